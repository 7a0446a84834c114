-- resq_gap: global average pooling over the ROWS of a (ROWS, FEATURES) tensor, bit for bit
-- resq.spec.integer.intref.mean_int:
--   acc[c] = sum_r (x[r, c] - INPUT_ZERO)
--   y[c]   = clamp(round_shift(acc[c] * MULTIPLIER, SHIFT) + OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX)
-- (MULTIPLIER and SHIFT fold the division by ROWS.) One input row per cycle, then
-- ceil(FEATURES / PAR) cycles of requantization; the single output row is written with one
-- y_we pulse. The memory answers one cycle after the address. done pulses for one cycle.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_gap is
  generic (
    ROWS        : positive := 24;
    FEATURES    : positive := 16;
    INPUT_BITS  : positive := 8;
    OUTPUT_BITS : positive := 8;
    ACC_BITS    : positive := 15;
    INPUT_ZERO  : integer  := 0;
    OUTPUT_ZERO : integer  := 0;
    OUTPUT_MIN  : integer  := -127;
    OUTPUT_MAX  : integer  := 127;
    MULTIPLIER  : natural  := 16384;
    SHIFT       : positive := 20;
    PAR         : positive := 1;
    MULT_STYLE  : string   := "dsp"
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_addr : out natural range 0 to ROWS - 1;
    x_data : in  std_logic_vector(FEATURES * INPUT_BITS - 1 downto 0);
    y_data : out std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_gap;

architecture rtl of resq_gap is

  constant CHUNKS_c : positive := (FEATURES + PAR - 1) / PAR;
  constant SLOTS_c  : positive := CHUNKS_c * PAR;

  type state_t is (IDLE_s, SUM_s, DRAIN_s, RUN_s, WRITE_s);
  type acc_array_t is array (0 to SLOTS_c - 1) of signed(ACC_BITS - 1 downto 0);

  signal state_r : state_t := IDLE_s;
  signal row_r   : natural range 0 to ROWS - 1 := 0;
  signal chunk_r : natural range 0 to CHUNKS_c - 1 := 0;
  -- The row read in the previous cycle is valid in x_data.
  signal valid_r : std_logic := '0';
  signal acc_r   : acc_array_t := (others => (others => '0'));
  signal y_r     : std_logic_vector(SLOTS_c * OUTPUT_BITS - 1 downto 0) := (others => '0');
  signal done_r  : std_logic := '0';

begin

  assert resq_is_mult_style(MULT_STYLE)
    report "resq_gap: MULT_STYLE must be ""dsp"" or ""lut"", got """ & MULT_STYLE & """"
    severity failure;
  assert OUTPUT_MIN >= -2 ** (OUTPUT_BITS - 1) and OUTPUT_MAX < 2 ** (OUTPUT_BITS - 1)
    and OUTPUT_MIN <= OUTPUT_ZERO and OUTPUT_ZERO <= OUTPUT_MAX
    report "resq_gap: OUTPUT_MIN..OUTPUT_MAX must hold OUTPUT_ZERO and fit OUTPUT_BITS"
    severity failure;

  x_addr <= row_r;
  y_data <= y_r(FEATURES * OUTPUT_BITS - 1 downto 0);
  y_we   <= '1' when state_r = WRITE_s else '0';
  done   <= done_r;

  control : process (clk)
    variable x_v : signed(INPUT_BITS downto 0);
    variable y_v : signed(OUTPUT_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      done_r  <= '0';
      valid_r <= '0';
      if valid_r = '1' then
        for c in 0 to FEATURES - 1 loop
          x_v      := resize(resq_element(x_data, c, INPUT_BITS), INPUT_BITS + 1)
                      - to_signed(INPUT_ZERO, INPUT_BITS + 1);
          acc_r(c) <= acc_r(c) + resize(x_v, ACC_BITS);
        end loop;
      end if;
      case state_r is
        when IDLE_s =>
          if start = '1' then
            row_r   <= 0;
            acc_r   <= (others => (others => '0'));
            state_r <= SUM_s;
          end if;
        when SUM_s =>
          valid_r <= '1';
          if row_r = ROWS - 1 then
            state_r <= DRAIN_s;
          else
            row_r <= row_r + 1;
          end if;
        when DRAIN_s =>
          chunk_r <= 0;
          state_r <= RUN_s;
        when RUN_s =>
          acc_r(0 to SLOTS_c - PAR - 1) <= acc_r(PAR to SLOTS_c - 1);
          y_r <= std_logic_vector(shift_right(unsigned(y_r), PAR * OUTPUT_BITS));
          for j in 0 to PAR - 1 loop
            y_v := resq_requantize(acc_r(j), MULTIPLIER, SHIFT, OUTPUT_ZERO, OUTPUT_MIN,
                                   OUTPUT_MAX, OUTPUT_BITS, MULT_STYLE);
            y_r((SLOTS_c - PAR + j + 1) * OUTPUT_BITS - 1 downto (SLOTS_c - PAR + j) * OUTPUT_BITS)
              <= std_logic_vector(y_v);
          end loop;
          if chunk_r = CHUNKS_c - 1 then
            state_r <= WRITE_s;
          else
            chunk_r <= chunk_r + 1;
          end if;
        when WRITE_s =>
          done_r  <= '1';
          state_r <= IDLE_s;
      end case;
      if rst = '1' then
        state_r <= IDLE_s;
        valid_r <= '0';
        done_r  <= '0';
      end if;
    end if;
  end process control;

end architecture rtl;
