-- resq_softmax: the integer softmax of resq.spec.integer.softmax.softmax_int over each row of a
-- (ROWS, COLS) tensor of score accumulators (ACC_BITS-bit signed elements), bit for bit:
--   t[j] = round_shift(x[j] * MULTIPLIER, SHIFT)                   (base-2 logit, 2^-F)
--   u[j] = max(t) - t[j];  e[j] = EXP2[u mod 2^F] >> min(u >> F, EXP_BITS + 1)
--   p[j] = min(floor((e[j] * 2^P + floor(D / 2)) / D), 2^P - 1),  D = sum_j e[j]
-- Outputs are PROB_BITS + 1-bit signed elements (0 <= p < 2^PROB_BITS, zero point 0), the
-- A operand of a resq_matmul for A.V. EXP2_TABLE holds the 2^FRAC_BITS entries of EXP2,
-- EXP_BITS + 1 bits each, entry 0 in the low bits. Per row: COLS cycles of logits, COLS of
-- exponentials, COLS into the pipelined divider and PROB_BITS + 3 until its last quotient
-- is stored, plus 3 (load, latch, write): 3 * COLS + PROB_BITS + 6. Memories answer one
-- cycle after the address. done pulses after the last row is written.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_softmax is
  generic (
    ROWS       : positive := 24;
    COLS       : positive := 24;
    ACC_BITS   : positive := 21;
    MULTIPLIER : natural  := 16384;
    SHIFT      : positive := 20;
    PROB_BITS  : positive := 8;
    FRAC_BITS  : positive := 6;
    EXP_BITS   : positive := 15;
    EXP2_TABLE : std_logic_vector;
    MULT_STYLE : string   := "dsp"
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_addr : out natural range 0 to ROWS - 1;
    x_data : in  std_logic_vector(COLS * ACC_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(COLS * (PROB_BITS + 1) - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_softmax;

architecture rtl of resq_softmax is

  constant T_BITS_c   : positive := ACC_BITS + MULTIPLIER_BITS_c;
  constant E_BITS_c   : positive := EXP_BITS + 1;
  -- D = sum of COLS values of at most 2^EXP_BITS.
  constant D_BITS_c   : positive := EXP_BITS + 1 + resq_bits_for(COLS);
  -- Quotients are at most 2^PROB_BITS: PROB_BITS + 1 bits.
  constant QUO_BITS_c : positive := PROB_BITS + 1;
  constant NUM_BITS_c : positive := D_BITS_c + QUO_BITS_c + 1;
  constant PROB_MAX_c : natural  := 2 ** PROB_BITS - 1;

  type state_t is (IDLE_s, LOAD_s, LATCH_s, LOGIT_s, EXP_s, DIVIDE_s, DIVIDE_WAIT_s, WRITE_s);
  type t_array_t is array (0 to COLS - 1) of signed(T_BITS_c - 1 downto 0);
  type e_array_t is array (0 to COLS - 1) of unsigned(E_BITS_c - 1 downto 0);

  signal state_r   : state_t := IDLE_s;
  signal row_r     : natural range 0 to ROWS - 1 := 0;
  signal count_r   : natural range 0 to COLS := 0;
  signal j_r       : natural range 0 to COLS - 1 := 0;
  -- Scores, logits and exponentials of the current row as shift registers: entry 0 is the
  -- next one to use; each use moves the others down.
  signal x_row_r   : std_logic_vector(COLS * ACC_BITS - 1 downto 0) := (others => '0');
  signal t_r       : t_array_t := (others => (others => '0'));
  signal t_max_r   : signed(T_BITS_c - 1 downto 0) := (others => '0');
  signal e_r       : e_array_t := (others => (others => '0'));
  signal sum_r     : unsigned(D_BITS_c - 1 downto 0) := (others => '0');
  signal dividing  : std_logic;
  signal dividend  : unsigned(NUM_BITS_c - 1 downto 0);
  signal quo_valid : std_logic;
  signal quotient  : unsigned(QUO_BITS_c - 1 downto 0);
  signal y_r       : std_logic_vector(COLS * QUO_BITS_c - 1 downto 0) := (others => '0');
  signal done_r    : std_logic := '0';

begin

  assert resq_is_mult_style(MULT_STYLE)
    report "resq_softmax: MULT_STYLE must be ""dsp"" or ""lut"", got """ & MULT_STYLE & """"
    severity failure;
  assert EXP2_TABLE'length = 2 ** FRAC_BITS * E_BITS_c
    report "resq_softmax: EXP2_TABLE needs 2**FRAC_BITS entries of EXP_BITS + 1 bits"
    severity failure;

  x_addr   <= row_r;
  y_addr   <= row_r;
  y_data   <= y_r;
  y_we     <= '1' when state_r = WRITE_s else '0';
  done     <= done_r;
  dividing <= '1' when state_r = DIVIDE_s else '0';
  dividend <= shift_left(resize(e_r(0), NUM_BITS_c), PROB_BITS)
              + resize(shift_right(sum_r, 1), NUM_BITS_c);

  divider : entity resq.resq_divider
    generic map (DIVIDEND_BITS => NUM_BITS_c, DIVISOR_BITS => D_BITS_c,
                 QUOTIENT_BITS => QUO_BITS_c)
    port map (clk => clk, in_valid => dividing, dividend => dividend, divisor => sum_r,
              out_valid => quo_valid, quotient => quotient);

  control : process (clk)
    variable t_v : signed(T_BITS_c - 1 downto 0);
    variable e_v : unsigned(E_BITS_c - 1 downto 0);
  begin
    if rising_edge(clk) then
      done_r <= '0';

      -- Quotients come back in column order; each shifts into y_r from the top.
      if quo_valid = '1' then
        y_r <= std_logic_vector(minimum(quotient, to_unsigned(PROB_MAX_c, QUO_BITS_c)))
               & y_r(COLS * QUO_BITS_c - 1 downto QUO_BITS_c);
        count_r <= count_r + 1;
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
          x_row_r <= x_data;
          count_r <= 0;
          state_r <= LOGIT_s;
        when LOGIT_s =>
          t_v := resize(resq_round_shift(
                   resq_multiply(resq_element(x_row_r, 0, ACC_BITS),
                                 to_signed(MULTIPLIER, MULTIPLIER_BITS_c), MULT_STYLE),
                   SHIFT), T_BITS_c);
          x_row_r <= std_logic_vector(shift_right(unsigned(x_row_r), ACC_BITS));
          t_r(COLS - 1)      <= t_v;
          t_r(0 to COLS - 2) <= t_r(1 to COLS - 1);
          if count_r = 0 or t_v > t_max_r then
            t_max_r <= t_v;
          end if;
          sum_r <= (others => '0');
          if count_r = COLS - 1 then
            count_r <= 0;
            state_r <= EXP_s;
          else
            count_r <= count_r + 1;
          end if;
        when EXP_s =>
          e_v := resq_exp2(unsigned(resize(t_max_r, T_BITS_c + 1) - resize(t_r(0), T_BITS_c + 1)),
                           EXP2_TABLE, FRAC_BITS, EXP_BITS);
          t_r(0 to COLS - 2) <= t_r(1 to COLS - 1);
          e_r(COLS - 1)      <= e_v;
          e_r(0 to COLS - 2) <= e_r(1 to COLS - 1);
          sum_r <= sum_r + e_v;
          if count_r = COLS - 1 then
            count_r <= 0;
            j_r     <= 0;
            state_r <= DIVIDE_s;
          else
            count_r <= count_r + 1;
          end if;
        when DIVIDE_s =>
          e_r(0 to COLS - 2) <= e_r(1 to COLS - 1);
          if j_r = COLS - 1 then
            state_r <= DIVIDE_WAIT_s;
          else
            j_r <= j_r + 1;
          end if;
        when DIVIDE_WAIT_s =>
          if count_r = COLS then
            state_r <= WRITE_s;
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
