-- resq_matmul: the product of two integer tensors held in row memories, bit for bit
-- resq.spec.integer.intref.matmul_int followed (REQUANTIZE) by requantization:
--   TRANSPOSE_B:     acc[i, j] = sum_d (a[i, d] - A_ZERO) * (b[j, d] - B_ZERO)   (Q.K^T)
--                    b is (COLS, INNER): row j of b is one word
--   not TRANSPOSE_B: acc[i, c] = sum_k (a[i, k] - A_ZERO) * (b[k, c] - B_ZERO)   (A.V)
--                    b is (INNER, COLS): row k of b is one word
--   y[i, c] = requantize(acc[i, c]) when REQUANTIZE, else acc[i, c] itself (OUTPUT_BITS must
--   then hold ACC_BITS; the softmax takes the raw scores).
-- a is (ROWS, INNER), y is (ROWS, COLS); elements are signed, element 0 in the low bits.
-- PAR multiplies per cycle: PAR must divide INNER (TRANSPOSE_B) or COLS (not TRANSPOSE_B).
-- Per row of y: COLS * INNER / PAR cycles of multiplies plus 4 (load, latch, drain, write).
-- Memories answer one cycle after the address. done pulses after the last row is written.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_matmul is
  generic (
    ROWS        : positive := 24;
    INNER       : positive := 16;
    COLS        : positive := 24;
    TRANSPOSE_B : boolean  := true;
    A_BITS      : positive := 8;
    B_BITS      : positive := 8;
    A_ZERO      : integer  := 0;
    B_ZERO      : integer  := 0;
    ACC_BITS    : positive := 21;
    REQUANTIZE  : boolean  := true;
    OUTPUT_BITS : positive := 8;
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
    a_addr : out natural range 0 to ROWS - 1;
    a_data : in  std_logic_vector(INNER * A_BITS - 1 downto 0);
    b_addr : out natural range 0 to resq_select(TRANSPOSE_B, COLS, INNER) - 1;
    b_data : in  std_logic_vector(resq_select(TRANSPOSE_B, INNER, COLS) * B_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(COLS * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_matmul;

architecture rtl of resq_matmul is

  -- The loop over b's rows is the inner one; each pass of it finishes LANES_c outputs.
  constant LANES_c  : positive := resq_select(TRANSPOSE_B, 1, PAR);
  constant OUTER_c  : positive := resq_select(TRANSPOSE_B, COLS, COLS / PAR);
  constant STEPS_c  : positive := resq_select(TRANSPOSE_B, INNER / PAR, INNER);

  type state_t is (IDLE_s, LOAD_s, LATCH_s, RUN_s, DRAIN_s, WRITE_s);
  type acc_array_t is array (0 to LANES_c - 1) of signed(ACC_BITS - 1 downto 0);

  signal state_r  : state_t := IDLE_s;
  signal row_r    : natural range 0 to ROWS - 1 := 0;
  signal outer_r  : natural range 0 to OUTER_c - 1 := 0;
  signal step_r   : natural range 0 to STEPS_c - 1 := 0;
  signal a_row_r  : std_logic_vector(INNER * A_BITS - 1 downto 0) := (others => '0');
  -- Stage 1: b_data holds b's word for (outer1_r, step1_r).
  signal valid1_r : std_logic := '0';
  signal outer1_r : natural range 0 to OUTER_c - 1 := 0;
  signal step1_r  : natural range 0 to STEPS_c - 1 := 0;
  signal acc_r    : acc_array_t := (others => (others => '0'));
  signal y_r      : std_logic_vector(COLS * OUTPUT_BITS - 1 downto 0) := (others => '0');
  signal done_r   : std_logic := '0';

  -- (a - A_ZERO) * (b - B_ZERO) of element a_index of a and b_index of b, ACC_BITS wide.
  function product(a : std_logic_vector; a_index : natural;
                   b : std_logic_vector; b_index : natural) return signed is
    variable a_v : signed(A_BITS downto 0);
    variable b_v : signed(B_BITS downto 0);
  begin
    a_v := resize(resq_element(a, a_index, A_BITS), A_BITS + 1) - to_signed(A_ZERO, A_BITS + 1);
    b_v := resize(resq_element(b, b_index, B_BITS), B_BITS + 1) - to_signed(B_ZERO, B_BITS + 1);
    return resize(resq_multiply(a_v, b_v, MULT_STYLE), ACC_BITS);
  end function;

  function output(acc : signed) return std_logic_vector is
  begin
    if REQUANTIZE then
      return std_logic_vector(resq_requantize(acc, MULTIPLIER, SHIFT, OUTPUT_ZERO, OUTPUT_MIN,
                                              OUTPUT_MAX, OUTPUT_BITS, MULT_STYLE));
    end if;
    return std_logic_vector(resize(acc, OUTPUT_BITS));
  end function;

begin

  assert resq_is_mult_style(MULT_STYLE)
    report "resq_matmul: MULT_STYLE must be ""dsp"" or ""lut"", got """ & MULT_STYLE & """"
    severity failure;
  assert (TRANSPOSE_B and INNER mod PAR = 0) or (not TRANSPOSE_B and COLS mod PAR = 0)
    report "resq_matmul: PAR must divide INNER (TRANSPOSE_B) or COLS (not TRANSPOSE_B)"
    severity failure;
  assert REQUANTIZE or OUTPUT_BITS >= ACC_BITS
    report "resq_matmul: without REQUANTIZE the outputs are accumulators: OUTPUT_BITS >= ACC_BITS"
    severity failure;
  assert not REQUANTIZE or (OUTPUT_MIN >= -2 ** (OUTPUT_BITS - 1)
    and OUTPUT_MAX < 2 ** (OUTPUT_BITS - 1) and OUTPUT_MIN <= OUTPUT_ZERO
    and OUTPUT_ZERO <= OUTPUT_MAX)
    report "resq_matmul: OUTPUT_MIN..OUTPUT_MAX must hold OUTPUT_ZERO and fit OUTPUT_BITS"
    severity failure;

  a_addr <= row_r;
  b_addr <= outer_r when TRANSPOSE_B else step_r;
  y_addr <= row_r;
  y_data <= y_r;
  y_we   <= '1' when state_r = WRITE_s else '0';
  done   <= done_r;

  control : process (clk)
    variable acc_v : signed(ACC_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      done_r   <= '0';
      valid1_r <= '0';

      -- Accumulate LANES_c outputs over b's rows; finished outputs shift into y_r from the top.
      if valid1_r = '1' then
        for lane in 0 to LANES_c - 1 loop
          if step1_r = 0 then
            acc_v := (others => '0');
          else
            acc_v := acc_r(lane);
          end if;
          if TRANSPOSE_B then
            for p in 0 to PAR - 1 loop
              acc_v := acc_v + product(a_row_r, step1_r * PAR + p, b_data, step1_r * PAR + p);
            end loop;
          else
            acc_v := acc_v + product(a_row_r, step1_r, b_data, outer1_r * PAR + lane);
          end if;
          acc_r(lane) <= acc_v;
          if step1_r = STEPS_c - 1 then
            y_r((COLS - LANES_c + lane + 1) * OUTPUT_BITS - 1 downto
                (COLS - LANES_c + lane) * OUTPUT_BITS) <= output(acc_v);
          end if;
        end loop;
        if step1_r = STEPS_c - 1 and COLS > LANES_c then
          y_r((COLS - LANES_c) * OUTPUT_BITS - 1 downto 0)
            <= y_r(COLS * OUTPUT_BITS - 1 downto LANES_c * OUTPUT_BITS);
        end if;
      end if;

      case state_r is
        when IDLE_s =>
          if start = '1' then
            row_r   <= 0;
            state_r <= LOAD_s;
          end if;
        when LOAD_s =>
          state_r <= LATCH_s;
        when LATCH_s =>
          a_row_r <= a_data;
          outer_r <= 0;
          step_r  <= 0;
          state_r <= RUN_s;
        when RUN_s =>
          valid1_r <= '1';
          outer1_r <= outer_r;
          step1_r  <= step_r;
          if step_r /= STEPS_c - 1 then
            step_r <= step_r + 1;
          elsif outer_r /= OUTER_c - 1 then
            step_r  <= 0;
            outer_r <= outer_r + 1;
          else
            state_r <= DRAIN_s;
          end if;
        when DRAIN_s =>
          state_r <= WRITE_s;
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
        state_r  <= IDLE_s;
        valid1_r <= '0';
        done_r   <= '0';
      end if;
    end if;
  end process control;

end architecture rtl;
