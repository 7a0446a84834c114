-- resq_attention: scaled dot-product attention of already projected Q, K, V (each a
-- (ROWS, FEATURES) tensor, FEATURES = HEADS * d_head), bit for bit
-- resq.spec.integer.intref.attention_int with the integer softmax of resq.spec.integer.softmax:
--   for every row i and head h (elements h*d_head .. (h+1)*d_head - 1):
--   score[j] = sum_d (q[i, d] - Q_ZERO) * (k[j, d] - K_ZERO)             (matmul Q.K^T)
--   t[j]     = round_shift(score[j] * SCORE_MULTIPLIER, SCORE_SHIFT)      (base-2 logit, 2^-F)
--   u[j]     = max(t) - t[j];  e[j] = EXP2[u mod 2^F] >> min(u >> F, EXP_BITS + 1)
--   p[j]     = min(floor((e[j] * 2^P + floor(D / 2)) / D), 2^P - 1),  D = sum_j e[j]
--   y[i, d]  = requantize(sum_j p[j] * (v[j, d] - V_ZERO))                 (matmul A.V)
-- EXP2_TABLE holds the 2^FRAC_BITS entries of EXP2, EXP_BITS + 1 bits each, entry 0 in the
-- low bits. PAR multiplies per cycle in each matmul (PAR must divide d_head); the division
-- is a pipeline of PROB_BITS + 1 restoring stages, one quotient per cycle. Per row and head:
-- ROWS * d_head / PAR cycles per matmul, ROWS for the exponentials, ROWS + PROB_BITS + 2
-- for the division. Memories answer one cycle after the address. done pulses at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_attention is
  generic (
    ROWS             : positive := 24;
    FEATURES         : positive := 16;
    HEADS            : positive := 1;
    Q_BITS           : positive := 8;
    K_BITS           : positive := 8;
    V_BITS           : positive := 8;
    OUTPUT_BITS      : positive := 8;
    Q_ZERO           : integer  := 0;
    K_ZERO           : integer  := 0;
    V_ZERO           : integer  := 0;
    OUTPUT_ZERO      : integer  := 0;
    OUTPUT_MIN       : integer  := -127;
    OUTPUT_MAX       : integer  := 127;
    SCORE_ACC_BITS   : positive := 22;
    SCORE_MULTIPLIER : natural  := 16384;
    SCORE_SHIFT      : positive := 20;
    PROB_BITS        : positive := 8;
    FRAC_BITS        : positive := 6;
    EXP_BITS         : positive := 15;
    EXP2_TABLE       : std_logic_vector;
    ACC_BITS         : positive := 23;
    MULTIPLIER       : natural  := 16384;
    SHIFT            : positive := 20;
    PAR              : positive := 1;
    MULT_STYLE       : string   := "dsp"
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    q_addr : out natural range 0 to ROWS - 1;
    q_data : in  std_logic_vector(FEATURES * Q_BITS - 1 downto 0);
    k_addr : out natural range 0 to ROWS - 1;
    k_data : in  std_logic_vector(FEATURES * K_BITS - 1 downto 0);
    v_addr : out natural range 0 to ROWS - 1;
    v_data : in  std_logic_vector(FEATURES * V_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_attention;

architecture rtl of resq_attention is

  constant D_HEAD_c   : positive := FEATURES / HEADS;
  constant CHUNKS_c   : positive := D_HEAD_c / PAR;
  -- t = round_shift(score * m, n) keeps the product width.
  constant T_BITS_c   : positive := SCORE_ACC_BITS + MULTIPLIER_BITS_c;
  constant E_BITS_c   : positive := EXP_BITS + 1;
  -- D = sum of ROWS values of at most 2^EXP_BITS.
  constant D_BITS_c   : positive := EXP_BITS + 1 + resq_bits_for(ROWS);
  -- Quotients are at most 2^PROB_BITS: PROB_BITS + 1 bits, one restoring stage each.
  constant QUO_BITS_c : positive := PROB_BITS + 1;
  constant NUM_BITS_c : positive := D_BITS_c + QUO_BITS_c + 1;
  constant PROB_MAX_c : natural  := 2 ** PROB_BITS - 1;

  type state_t is (IDLE_s, LOAD_s, LATCH_s, SCORE_s, SCORE_WAIT_s, EXP_s, DIVIDE_s,
                   DIVIDE_WAIT_s, CONTEXT_s, CONTEXT_WAIT_s, WRITE_s);
  type t_array_t is array (0 to ROWS - 1) of signed(T_BITS_c - 1 downto 0);
  type e_array_t is array (0 to ROWS - 1) of unsigned(E_BITS_c - 1 downto 0);
  type p_array_t is array (0 to ROWS - 1) of unsigned(QUO_BITS_c - 1 downto 0);
  type acc_array_t is array (0 to PAR - 1) of signed(ACC_BITS - 1 downto 0);

  signal state_r     : state_t := IDLE_s;
  signal row_r       : natural range 0 to ROWS - 1 := 0;
  signal head_r      : natural range 0 to HEADS - 1 := 0;
  signal j_r         : natural range 0 to ROWS - 1 := 0;
  signal chunk_r     : natural range 0 to CHUNKS_c - 1 := 0;
  signal count_r     : natural range 0 to ROWS + CHUNKS_c := 0;
  signal q_row_r     : std_logic_vector(FEATURES * Q_BITS - 1 downto 0) := (others => '0');
  -- Matmul pipeline: stage 1 has the memory word for (j1_r, chunk1_r); stage 2 a finished sum.
  signal valid1_r    : std_logic := '0';
  signal j1_r        : natural range 0 to ROWS - 1 := 0;
  signal chunk1_r    : natural range 0 to CHUNKS_c - 1 := 0;
  signal score_r     : signed(SCORE_ACC_BITS - 1 downto 0) := (others => '0');
  signal valid2_r    : std_logic := '0';
  signal final_r     : signed(SCORE_ACC_BITS - 1 downto 0) := (others => '0');
  -- Logits, exponentials and probabilities of the current row and head, as shift registers:
  -- entry 0 is the next one to use; each use moves the others down.
  signal t_r         : t_array_t := (others => (others => '0'));
  signal t_max_r     : signed(T_BITS_c - 1 downto 0) := (others => '0');
  signal e_r         : e_array_t := (others => (others => '0'));
  signal sum_r       : unsigned(D_BITS_c - 1 downto 0) := (others => '0');
  signal p_r         : p_array_t := (others => (others => '0'));
  signal dividing    : std_logic;
  signal dividend    : unsigned(NUM_BITS_c - 1 downto 0);
  signal quo_valid   : std_logic;
  signal quotient    : unsigned(QUO_BITS_c - 1 downto 0);
  signal context_r   : acc_array_t := (others => (others => '0'));
  signal y_r         : std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0) := (others => '0');
  signal done_r      : std_logic := '0';

  -- sum over PAR elements of (a - a_zero) * (b - b_zero), elements offset .. offset + PAR - 1.
  function dot(a : std_logic_vector; a_bits : positive; a_zero : integer;
               b : std_logic_vector; b_bits : positive; b_zero : integer;
               offset : natural) return signed is
    variable sum_v : signed(SCORE_ACC_BITS - 1 downto 0) := (others => '0');
    variable a_v   : signed(a_bits downto 0);
    variable b_v   : signed(b_bits downto 0);
  begin
    for p in 0 to PAR - 1 loop
      a_v   := resize(resq_element(a, offset + p, a_bits), a_bits + 1) - to_signed(a_zero, a_bits + 1);
      b_v   := resize(resq_element(b, offset + p, b_bits), b_bits + 1) - to_signed(b_zero, b_bits + 1);
      sum_v := sum_v + resize(resq_multiply(a_v, b_v, MULT_STYLE), SCORE_ACC_BITS);
    end loop;
    return sum_v;
  end function;

begin

  assert resq_is_mult_style(MULT_STYLE)
    report "resq_attention: MULT_STYLE must be ""dsp"" or ""lut"", got """ & MULT_STYLE & """"
    severity failure;
  assert FEATURES mod HEADS = 0 and D_HEAD_c mod PAR = 0
    report "resq_attention: HEADS must divide FEATURES and PAR must divide FEATURES / HEADS"
    severity failure;
  assert EXP2_TABLE'length = 2 ** FRAC_BITS * E_BITS_c
    report "resq_attention: EXP2_TABLE needs 2**FRAC_BITS entries of EXP_BITS + 1 bits"
    severity failure;
  assert OUTPUT_MIN >= -2 ** (OUTPUT_BITS - 1) and OUTPUT_MAX < 2 ** (OUTPUT_BITS - 1)
    and OUTPUT_MIN <= OUTPUT_ZERO and OUTPUT_ZERO <= OUTPUT_MAX
    report "resq_attention: OUTPUT_MIN..OUTPUT_MAX must hold OUTPUT_ZERO and fit OUTPUT_BITS"
    severity failure;

  q_addr <= row_r;
  k_addr <= j_r;
  v_addr <= j_r;
  y_addr <= row_r;
  y_data <= y_r;
  y_we   <= '1' when state_r = WRITE_s else '0';
  done   <= done_r;

  dividing <= '1' when state_r = DIVIDE_s else '0';
  dividend <= shift_left(resize(e_r(0), NUM_BITS_c), PROB_BITS)
              + resize(shift_right(sum_r, 1), NUM_BITS_c);

  divider : entity resq.resq_divider
    generic map (DIVIDEND_BITS => NUM_BITS_c, DIVISOR_BITS => D_BITS_c,
                 QUOTIENT_BITS => QUO_BITS_c)
    port map (clk => clk, in_valid => dividing, dividend => dividend, divisor => sum_r,
              out_valid => quo_valid, quotient => quotient);

  control : process (clk)
    variable base_v  : signed(SCORE_ACC_BITS - 1 downto 0);
    variable score_v : signed(SCORE_ACC_BITS - 1 downto 0);
    variable t_v     : signed(T_BITS_c - 1 downto 0);
    variable u_v     : unsigned(T_BITS_c downto 0);
    variable e_v     : unsigned(E_BITS_c - 1 downto 0);
    variable v_v     : signed(V_BITS downto 0);
    variable p_v     : signed(QUO_BITS_c downto 0);
    variable acc_v   : signed(ACC_BITS - 1 downto 0);
    variable y_v     : signed(OUTPUT_BITS - 1 downto 0);
    variable offset  : natural;
  begin
    if rising_edge(clk) then
      done_r         <= '0';
      valid1_r       <= '0';
      valid2_r       <= '0';
      offset         := head_r * D_HEAD_c + chunk1_r * PAR;

      -- Q.K^T: accumulate chunks of one score; a finished score becomes a logit t.
      if valid1_r = '1' and state_r /= CONTEXT_s and state_r /= CONTEXT_WAIT_s then
        if chunk1_r = 0 then
          base_v := (others => '0');
        else
          base_v := score_r;
        end if;
        score_v := base_v + dot(q_row_r, Q_BITS, Q_ZERO, k_data, K_BITS, K_ZERO, offset);
        score_r <= score_v;
        if chunk1_r = CHUNKS_c - 1 then
          valid2_r <= '1';
          final_r  <= score_v;
        end if;
      end if;
      if valid2_r = '1' then
        t_v := resize(resq_round_shift(
                 resq_multiply(final_r, to_signed(SCORE_MULTIPLIER, MULTIPLIER_BITS_c), MULT_STYLE),
                 SCORE_SHIFT), T_BITS_c);
        t_r(ROWS - 1)        <= t_v;
        t_r(0 to ROWS - 2)   <= t_r(1 to ROWS - 1);
        if count_r = 0 or t_v > t_max_r then
          t_max_r <= t_v;
        end if;
        count_r <= count_r + 1;
      end if;

      -- A.V: accumulate PAR context elements over j; a finished chunk is requantized.
      if valid1_r = '1' and (state_r = CONTEXT_s or state_r = CONTEXT_WAIT_s) then
        p_v := signed(resize(p_r(0), QUO_BITS_c + 1));
        p_r(ROWS - 1)      <= p_r(0);
        p_r(0 to ROWS - 2) <= p_r(1 to ROWS - 1);
        for p in 0 to PAR - 1 loop
          v_v := resize(resq_element(v_data, offset + p, V_BITS), V_BITS + 1)
                 - to_signed(V_ZERO, V_BITS + 1);
          if j1_r = 0 then
            acc_v := (others => '0');
          else
            acc_v := context_r(p);
          end if;
          acc_v := acc_v + resize(resq_multiply(p_v, v_v, MULT_STYLE), ACC_BITS);
          context_r(p) <= acc_v;
          if j1_r = ROWS - 1 then
            y_v := resq_requantize(acc_v, MULTIPLIER, SHIFT, OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX,
                                   OUTPUT_BITS, MULT_STYLE);
            y_r((FEATURES - PAR + p + 1) * OUTPUT_BITS - 1 downto (FEATURES - PAR + p) * OUTPUT_BITS)
              <= std_logic_vector(y_v);
          end if;
        end loop;
        if j1_r = ROWS - 1 then
          y_r((FEATURES - PAR) * OUTPUT_BITS - 1 downto 0)
            <= y_r(FEATURES * OUTPUT_BITS - 1 downto PAR * OUTPUT_BITS);
          count_r <= count_r + 1;
        end if;
      end if;

      if quo_valid = '1' then
        p_r(ROWS - 1)      <= minimum(quotient, to_unsigned(PROB_MAX_c, QUO_BITS_c));
        p_r(0 to ROWS - 2) <= p_r(1 to ROWS - 1);
        count_r            <= count_r + 1;
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
          q_row_r <= q_data;
          head_r  <= 0;
          j_r     <= 0;
          chunk_r <= 0;
          count_r <= 0;
          state_r <= SCORE_s;
        when SCORE_s =>
          -- j outer, chunks inner: one score after another.
          valid1_r <= '1';
          j1_r     <= j_r;
          chunk1_r <= chunk_r;
          if chunk_r /= CHUNKS_c - 1 then
            chunk_r <= chunk_r + 1;
          elsif j_r /= ROWS - 1 then
            chunk_r <= 0;
            j_r     <= j_r + 1;
          else
            chunk_r <= 0;
            j_r     <= 0;
            state_r <= SCORE_WAIT_s;
          end if;
        when CONTEXT_s =>
          -- chunks outer, j inner: PAR context elements at a time over all j.
          valid1_r <= '1';
          j1_r     <= j_r;
          chunk1_r <= chunk_r;
          if j_r /= ROWS - 1 then
            j_r <= j_r + 1;
          elsif chunk_r /= CHUNKS_c - 1 then
            j_r     <= 0;
            chunk_r <= chunk_r + 1;
          else
            j_r     <= 0;
            chunk_r <= 0;
            state_r <= CONTEXT_WAIT_s;
          end if;
        when SCORE_WAIT_s =>
          if count_r = ROWS then
            count_r <= 0;
            sum_r   <= (others => '0');
            state_r <= EXP_s;
          end if;
        when EXP_s =>
          u_v := unsigned(resize(t_max_r, T_BITS_c + 1) - resize(t_r(0), T_BITS_c + 1));
          e_v := resq_exp2(u_v, EXP2_TABLE, FRAC_BITS, EXP_BITS);
          t_r(0 to ROWS - 2) <= t_r(1 to ROWS - 1);
          e_r(ROWS - 1)      <= e_v;
          e_r(0 to ROWS - 2) <= e_r(1 to ROWS - 1);
          sum_r <= sum_r + e_v;
          if count_r = ROWS - 1 then
            count_r <= 0;
            state_r <= DIVIDE_s;
          else
            count_r <= count_r + 1;
          end if;
        when DIVIDE_s =>
          e_r(0 to ROWS - 2) <= e_r(1 to ROWS - 1);
          if j_r = ROWS - 1 then
            j_r     <= 0;
            state_r <= DIVIDE_WAIT_s;
          else
            j_r <= j_r + 1;
          end if;
        when DIVIDE_WAIT_s =>
          if count_r = ROWS then
            count_r <= 0;
            chunk_r <= 0;
            state_r <= CONTEXT_s;
          end if;
        when CONTEXT_WAIT_s =>
          if count_r = CHUNKS_c then
            count_r <= 0;
            if head_r = HEADS - 1 then
              state_r <= WRITE_s;
            else
              head_r  <= head_r + 1;
              state_r <= SCORE_s;
            end if;
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
        state_r        <= IDLE_s;
        valid1_r       <= '0';
        valid2_r       <= '0';
        done_r         <= '0';
      end if;
    end if;
  end process control;

end architecture rtl;
