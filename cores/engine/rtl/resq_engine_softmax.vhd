-- resq_engine_softmax: the engine's softmax unit (docs/engine.md), bit for bit
-- resq.spec.integer.softmax.softmax_int on rows of `len` base-2 logits t (in units of
-- 2^-FRAC_BITS, from the requantizer):
--   u = max(t) - t;  e = EXP2[u mod 2^F] >> min(u >> F, EXP_BITS + 1);  D = sum e
--   p = min(floor((e * 2^PROB_BITS + floor(D / 2)) / D), 2^PROB_BITS - 1)
-- Four parts run at once on different rows: the collector takes one logit per cycle into
-- one of two row buffers (keeping the running maximum); the exponential unit takes a
-- collected row into one of two buffers of exponentials (len cycles, and their sum); the
-- division unit, once the divider (resq_divider, one quotient per cycle, one divisor at a
-- time) is empty, feeds it a row of exponentials (len cycles); the writer hands each
-- probability out (out_valid, out_row, out_col). rows_taken counts the rows the exponential
-- unit has taken, idle says nothing is left in flight. clear (between ops) restarts the
-- counts. The caller starts row r only when rows_taken >= r - 1, which keeps the row
-- buffers and the collected row apart.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_engine_softmax is
  generic (
    MAX_LEN    : positive := 24;
    T_BITS     : positive := 24;
    PROB_BITS  : positive := 8;
    FRAC_BITS  : positive := 6;
    EXP_BITS   : positive := 15;
    EXP2_TABLE : std_logic_vector
  );
  port (
    clk       : in  std_logic;
    clear     : in  std_logic;
    len       : in  natural range 1 to MAX_LEN;
    in_valid  : in  std_logic;
    in_t      : in  signed(T_BITS - 1 downto 0);
    in_last   : in  std_logic;
    out_valid : out std_logic;
    out_row   : out natural range 0 to 2 ** 16 - 1;
    out_col   : out natural range 0 to MAX_LEN - 1;
    out_p     : out unsigned(PROB_BITS - 1 downto 0);
    rows_taken : out natural range 0 to 2 ** 16 - 1;
    idle      : out std_logic
  );
end entity resq_engine_softmax;

architecture rtl of resq_engine_softmax is

  constant E_BITS_c   : positive := EXP_BITS + 1;
  constant D_BITS_c   : positive := E_BITS_c + resq_bits_for(MAX_LEN);
  constant QUO_BITS_c : positive := PROB_BITS + 1;
  constant NUM_BITS_c : positive := D_BITS_c + QUO_BITS_c + 1;
  constant PROB_MAX_c : natural  := 2 ** PROB_BITS - 1;
  -- longest a division stays in the divider, plus one
  constant FLIGHT_c   : positive := QUO_BITS_c + 2;

  -- two rows of logits and two of exponentials, row b at entries b * MAX_LEN ..
  type t_rows_t is array (0 to 2 * MAX_LEN - 1) of signed(T_BITS - 1 downto 0);
  type e_rows_t is array (0 to 2 * MAX_LEN - 1) of unsigned(E_BITS_c - 1 downto 0);
  type sums_t is array (0 to 1) of unsigned(D_BITS_c - 1 downto 0);
  type phase_t is (IDLE_s, RUN_s, LAST_s);

  -- the collector
  signal t_rows_r   : t_rows_t := (others => (others => '0'));
  signal fill_r     : natural range 0 to 1 := 0;
  signal col_in_r   : natural range 0 to MAX_LEN - 1 := 0;
  signal max_r      : signed(T_BITS - 1 downto 0) := (others => '0');
  signal pending_r  : std_logic := '0';
  signal pend_buf_r : natural range 0 to 1 := 0;
  signal pend_max_r : signed(T_BITS - 1 downto 0) := (others => '0');
  -- the exponential unit
  signal x_phase_r  : phase_t := IDLE_s;
  signal x_buf_r    : natural range 0 to 1 := 0;
  signal x_max_r    : signed(T_BITS - 1 downto 0) := (others => '0');
  signal x_i_r      : natural range 0 to MAX_LEN - 1 := 0;
  signal x_out_r    : natural range 0 to 1 := 0;
  signal e_valid_r  : std_logic := '0';
  signal e_r        : unsigned(E_BITS_c - 1 downto 0) := (others => '0');
  signal e_at_r     : natural range 0 to 2 * MAX_LEN - 1 := 0;
  signal e_rows_r   : e_rows_t := (others => (others => '0'));
  signal sum_r      : unsigned(D_BITS_c - 1 downto 0) := (others => '0');
  signal sums_r     : sums_t := (others => (others => '0'));
  signal ready_r    : std_logic_vector(0 to 1) := (others => '0');
  signal taken_r    : natural range 0 to 2 ** 16 - 1 := 0;
  signal x_take     : std_logic;
  -- the division unit
  signal d_phase_r  : phase_t := IDLE_s;
  signal d_buf_r    : natural range 0 to 1 := 0;
  signal d_i_r      : natural range 0 to MAX_LEN - 1 := 0;
  signal divisor_r  : unsigned(D_BITS_c - 1 downto 0) := (others => '1');
  signal dividing   : std_logic;
  signal dividend   : unsigned(NUM_BITS_c - 1 downto 0);
  signal d_done     : std_logic;
  signal flight_r   : natural range 0 to FLIGHT_c + MAX_LEN := 0;
  -- the writer
  signal quo_valid  : std_logic;
  signal quotient   : unsigned(QUO_BITS_c - 1 downto 0);
  signal out_row_r  : natural range 0 to 2 ** 16 - 1 := 0;
  signal out_col_r  : natural range 0 to MAX_LEN - 1 := 0;

begin

  rows_taken <= taken_r;
  idle      <= '1' when x_phase_r = IDLE_s and d_phase_r = IDLE_s and pending_r = '0'
                        and ready_r = "00" and flight_r = 0 else '0';

  -- The exponential unit takes the collected row when the buffer it writes is free.
  x_take <= '1' when x_phase_r = IDLE_s and pending_r = '1' and ready_r(x_out_r) = '0'
            else '0';

  collect : process (clk)
    variable max_v : signed(T_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      if x_take = '1' then
        pending_r <= '0';
      end if;
      if in_valid = '1' then
        t_rows_r(fill_r * MAX_LEN + col_in_r) <= in_t;
        max_v := in_t;
        if col_in_r /= 0 and max_r > in_t then
          max_v := max_r;
        end if;
        max_r <= max_v;
        if in_last = '1' then
          col_in_r   <= 0;
          pending_r  <= '1';
          pend_buf_r <= fill_r;
          pend_max_r <= max_v;
          fill_r     <= 1 - fill_r;
        else
          col_in_r <= col_in_r + 1;
        end if;
      end if;
      if clear = '1' then
        fill_r    <= 0;
        col_in_r  <= 0;
        pending_r <= '0';
      end if;
    end if;
  end process collect;

  exponentials : process (clk)
    variable u_v : signed(T_BITS downto 0);
  begin
    if rising_edge(clk) then
      -- the exponential of element x_i_r (one cycle), then its place and the sum
      u_v       := resize(x_max_r, T_BITS + 1)
                   - resize(t_rows_r(x_buf_r * MAX_LEN + x_i_r), T_BITS + 1);
      e_r       <= resq_exp2(unsigned(u_v), EXP2_TABLE, FRAC_BITS, EXP_BITS);
      e_at_r    <= x_out_r * MAX_LEN + x_i_r;
      e_valid_r <= '0';
      if e_valid_r = '1' then
        e_rows_r(e_at_r) <= e_r;
        sum_r            <= sum_r + e_r;
      end if;
      if d_done = '1' then
        ready_r(d_buf_r) <= '0';
      end if;
      case x_phase_r is
        when IDLE_s =>
          if x_take = '1' then
            x_buf_r   <= pend_buf_r;
            x_max_r   <= pend_max_r;
            sum_r     <= (others => '0');
            x_i_r     <= 0;
            taken_r   <= taken_r + 1;
            x_phase_r <= RUN_s;
          end if;
        when RUN_s =>
          e_valid_r <= '1';
          if x_i_r = len - 1 then
            x_phase_r <= LAST_s;
          else
            x_i_r <= x_i_r + 1;
          end if;
        when LAST_s =>
          sums_r(x_out_r)  <= sum_r + e_r;
          ready_r(x_out_r) <= '1';
          x_out_r          <= 1 - x_out_r;
          x_phase_r        <= IDLE_s;
      end case;
      if clear = '1' then
        taken_r   <= 0;
        x_out_r   <= 0;
        ready_r   <= (others => '0');
        x_phase_r <= IDLE_s;
      end if;
    end if;
  end process exponentials;

  dividend <= shift_left(resize(e_rows_r(d_buf_r * MAX_LEN + d_i_r), NUM_BITS_c), PROB_BITS)
              + resize(shift_right(divisor_r, 1), NUM_BITS_c);
  dividing <= '1' when d_phase_r = RUN_s else '0';
  d_done   <= '1' when d_phase_r = RUN_s and d_i_r = len - 1 else '0';

  divisions : process (clk)
  begin
    if rising_edge(clk) then
      case d_phase_r is
        when IDLE_s =>
          if ready_r(d_buf_r) = '1' and flight_r = 0 then
            divisor_r <= sums_r(d_buf_r);
            d_i_r     <= 0;
            d_phase_r <= RUN_s;
          end if;
        when RUN_s =>
          if d_i_r = len - 1 then
            d_buf_r   <= 1 - d_buf_r;
            d_phase_r <= IDLE_s;
          else
            d_i_r <= d_i_r + 1;
          end if;
        when LAST_s =>
          d_phase_r <= IDLE_s;
      end case;
      if dividing = '1' and quo_valid = '0' then
        flight_r <= flight_r + 1;
      elsif dividing = '0' and quo_valid = '1' then
        flight_r <= flight_r - 1;
      end if;
      if clear = '1' then
        d_buf_r   <= 0;
        d_phase_r <= IDLE_s;
      end if;
    end if;
  end process divisions;

  divider : entity resq.resq_divider
    generic map (DIVIDEND_BITS => NUM_BITS_c, DIVISOR_BITS => D_BITS_c,
                 QUOTIENT_BITS => QUO_BITS_c)
    port map (clk => clk, in_valid => dividing, dividend => dividend, divisor => divisor_r,
              out_valid => quo_valid, quotient => quotient);

  write : process (clk)
  begin
    if rising_edge(clk) then
      out_valid <= quo_valid;
      out_row   <= out_row_r;
      out_col   <= out_col_r;
      if quotient > PROB_MAX_c then
        out_p <= to_unsigned(PROB_MAX_c, PROB_BITS);
      else
        out_p <= quotient(PROB_BITS - 1 downto 0);
      end if;
      if quo_valid = '1' then
        if out_col_r = len - 1 then
          out_col_r <= 0;
          out_row_r <= out_row_r + 1;
        else
          out_col_r <= out_col_r + 1;
        end if;
      end if;
      if clear = '1' then
        out_row_r <= 0;
        out_col_r <= 0;
      end if;
    end if;
  end process write;

end architecture rtl;
