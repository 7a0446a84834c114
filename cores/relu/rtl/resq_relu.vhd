-- resq_relu: y[r, i] = max(x[r, i], ZERO) for every row r of a (ROWS, FEATURES) tensor of
-- BITS-bit signed elements, bit for bit resq.spec.integer.intref.relu_int (the zero point is real 0).
-- One row per cycle: row r is addressed in cycle r, its word returns one cycle later (as
-- from a resq_buffer) and is written the cycle after that. A start pulse runs all ROWS rows;
-- done pulses for one cycle after the last write.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_relu is
  generic (
    ROWS     : positive := 24;
    FEATURES : positive := 16;
    BITS     : positive := 8;
    ZERO     : integer  := 0
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_addr : out natural range 0 to ROWS - 1;
    x_data : in  std_logic_vector(FEATURES * BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(FEATURES * BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_relu;

architecture rtl of resq_relu is

  constant ZERO_c : signed(BITS - 1 downto 0) := to_signed(ZERO, BITS);

  signal reading_r : std_logic := '0';
  signal row_r     : natural range 0 to ROWS - 1 := 0;
  signal valid1_r  : std_logic := '0';
  signal row1_r    : natural range 0 to ROWS - 1 := 0;
  signal valid2_r  : std_logic := '0';
  signal row2_r    : natural range 0 to ROWS - 1 := 0;
  signal y_r       : std_logic_vector(FEATURES * BITS - 1 downto 0) := (others => '0');
  signal done_r    : std_logic := '0';

begin

  assert ZERO >= -2 ** (BITS - 1) and ZERO < 2 ** (BITS - 1)
    report "resq_relu: ZERO must fit a signed BITS-bit element"
    severity failure;

  x_addr <= row_r;
  y_addr <= row2_r;
  y_data <= y_r;
  y_we   <= valid2_r;
  done   <= done_r;

  -- Stage 0 addresses row_r; stage 1 sees its word on x_data; stage 2 writes it.
  pipeline : process (clk)
    variable x_v : signed(BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      done_r   <= valid2_r when row2_r = ROWS - 1 else '0';
      valid1_r <= reading_r;
      row1_r   <= row_r;
      valid2_r <= valid1_r;
      row2_r   <= row1_r;
      for i in 0 to FEATURES - 1 loop
        x_v := resq_element(x_data, i, BITS);
        if x_v < ZERO_c then
          x_v := ZERO_c;
        end if;
        y_r((i + 1) * BITS - 1 downto i * BITS) <= std_logic_vector(x_v);
      end loop;
      if reading_r = '1' then
        if row_r = ROWS - 1 then
          reading_r <= '0';
        else
          row_r <= row_r + 1;
        end if;
      elsif start = '1' then
        reading_r <= '1';
        row_r     <= 0;
      end if;
      if rst = '1' then
        reading_r <= '0';
        valid1_r  <= '0';
        valid2_r  <= '0';
        done_r    <= '0';
      end if;
    end if;
  end process pipeline;

end architecture rtl;
