-- resq_add: the element-wise sum of two tensors of the same (ROWS, FEATURES) shape, each with
-- its own quantization, bit for bit resq.spec.integer.intref.add_int:
--   y = clamp(round_shift((a - A_ZERO) * A_MULTIPLIER + (b - B_ZERO) * B_MULTIPLIER, SHIFT)
--             + OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX).
-- PAR elements per cycle; CHUNKS = ceil(FEATURES / PAR) cycles per row plus three. Memories
-- answer one cycle after the address, one row per word (element i in bits i*BITS). A start
-- pulse runs all ROWS rows; done pulses for one cycle at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_add is
  generic (
    ROWS         : positive := 24;
    FEATURES     : positive := 16;
    A_BITS       : positive := 8;
    B_BITS       : positive := 8;
    OUTPUT_BITS  : positive := 8;
    ACC_BITS     : positive := 26;
    A_ZERO       : integer  := 0;
    B_ZERO       : integer  := 0;
    OUTPUT_ZERO  : integer  := 0;
    OUTPUT_MIN   : integer  := -127;
    OUTPUT_MAX   : integer  := 127;
    A_MULTIPLIER : natural  := 16384;
    B_MULTIPLIER : natural  := 16384;
    SHIFT        : positive := 15;
    PAR          : positive := 1;
    MULT_STYLE   : string   := "dsp"
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    a_addr : out natural range 0 to ROWS - 1;
    a_data : in  std_logic_vector(FEATURES * A_BITS - 1 downto 0);
    b_addr : out natural range 0 to ROWS - 1;
    b_data : in  std_logic_vector(FEATURES * B_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_add;

architecture rtl of resq_add is

  constant CHUNKS_c : positive := (FEATURES + PAR - 1) / PAR;
  constant SLOTS_c  : positive := CHUNKS_c * PAR;

  type state_t is (IDLE_s, LOAD_s, LATCH_s, RUN_s, WRITE_s);

  signal state_r : state_t := IDLE_s;
  signal row_r   : natural range 0 to ROWS - 1 := 0;
  signal chunk_r : natural range 0 to CHUNKS_c - 1 := 0;
  -- Rows as shift registers: each RUN cycle consumes the low PAR elements of a and b and
  -- shifts PAR results into the top of y; after CHUNKS cycles y holds the row in order.
  signal a_r     : std_logic_vector(SLOTS_c * A_BITS - 1 downto 0) := (others => '0');
  signal b_r     : std_logic_vector(SLOTS_c * B_BITS - 1 downto 0) := (others => '0');
  signal y_r     : std_logic_vector(SLOTS_c * OUTPUT_BITS - 1 downto 0) := (others => '0');
  signal done_r  : std_logic := '0';

  function sum_element(a : signed; b : signed) return signed is
    variable a_v : signed(A_BITS downto 0);
    variable b_v : signed(B_BITS downto 0);
    variable acc : signed(ACC_BITS - 1 downto 0);
  begin
    a_v := resize(a, A_BITS + 1) - to_signed(A_ZERO, A_BITS + 1);
    b_v := resize(b, B_BITS + 1) - to_signed(B_ZERO, B_BITS + 1);
    acc := resize(resq_multiply(a_v, to_signed(A_MULTIPLIER, MULTIPLIER_BITS_c), MULT_STYLE),
                  ACC_BITS)
           + resize(resq_multiply(b_v, to_signed(B_MULTIPLIER, MULTIPLIER_BITS_c), MULT_STYLE),
                    ACC_BITS);
    return resq_round_saturate(acc, SHIFT, OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX, OUTPUT_BITS);
  end function;

begin

  assert resq_is_mult_style(MULT_STYLE)
    report "resq_add: MULT_STYLE must be ""dsp"" or ""lut"", got """ & MULT_STYLE & """"
    severity failure;
  assert OUTPUT_MIN >= -2 ** (OUTPUT_BITS - 1) and OUTPUT_MAX < 2 ** (OUTPUT_BITS - 1)
    and OUTPUT_MIN <= OUTPUT_ZERO and OUTPUT_ZERO <= OUTPUT_MAX
    report "resq_add: OUTPUT_MIN..OUTPUT_MAX must hold OUTPUT_ZERO and fit OUTPUT_BITS"
    severity failure;

  a_addr <= row_r;
  b_addr <= row_r;
  y_addr <= row_r;
  y_data <= y_r(FEATURES * OUTPUT_BITS - 1 downto 0);
  y_we   <= '1' when state_r = WRITE_s else '0';
  done   <= done_r;

  control : process (clk)
    variable y_v : signed(OUTPUT_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      done_r <= '0';
      case state_r is
        when IDLE_s =>
          if start = '1' then
            row_r   <= 0;
            state_r <= LOAD_s;
          end if;
        when LOAD_s =>
          state_r <= LATCH_s;
        when LATCH_s =>
          a_r     <= (others => '0');
          b_r     <= (others => '0');
          a_r(FEATURES * A_BITS - 1 downto 0) <= a_data;
          b_r(FEATURES * B_BITS - 1 downto 0) <= b_data;
          chunk_r <= 0;
          state_r <= RUN_s;
        when RUN_s =>
          a_r <= std_logic_vector(shift_right(unsigned(a_r), PAR * A_BITS));
          b_r <= std_logic_vector(shift_right(unsigned(b_r), PAR * B_BITS));
          y_r <= std_logic_vector(shift_right(unsigned(y_r), PAR * OUTPUT_BITS));
          for j in 0 to PAR - 1 loop
            y_v := sum_element(resq_element(a_r, j, A_BITS), resq_element(b_r, j, B_BITS));
            y_r((SLOTS_c - PAR + j + 1) * OUTPUT_BITS - 1 downto (SLOTS_c - PAR + j) * OUTPUT_BITS)
              <= std_logic_vector(y_v);
          end loop;
          if chunk_r = CHUNKS_c - 1 then
            state_r <= WRITE_s;
          else
            chunk_r <= chunk_r + 1;
          end if;
        when WRITE_s =>
          if row_r = ROWS - 1 then
            done_r  <= '1';
            state_r <= IDLE_s;
          else
            row_r   <= row_r + 1;
            state_r <= LOAD_s;
          end if;
      end case;
      if rst = '1' then
        state_r <= IDLE_s;
        done_r  <= '0';
      end if;
    end if;
  end process control;

end architecture rtl;
