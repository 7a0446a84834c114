-- Self-checking testbench of resq_attention. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.spec.integer.intref.attention_int) holds the number of samples, then per sample ROWS lines each
-- of q, k, v and of expected outputs. Memories answer one cycle after the address. Every
-- mismatching row is reported; any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_attention_tb is
  generic (
    VECTORS          : string   := "vectors.txt";
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
end entity resq_attention_tb;

architecture sim of resq_attention_tb is

  -- The watchdog: more cycles than this upper bound on one run fail the test.
  constant WATCHDOG_c : positive := ROWS * HEADS * (2 * ROWS * FEATURES + 2 * ROWS + PROB_BITS + 16) + 100;

  subtype q_word_t is std_logic_vector(FEATURES * Q_BITS - 1 downto 0);
  subtype k_word_t is std_logic_vector(FEATURES * K_BITS - 1 downto 0);
  subtype v_word_t is std_logic_vector(FEATURES * V_BITS - 1 downto 0);
  subtype y_word_t is std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
  type q_mem_t is array (0 to ROWS - 1) of q_word_t;
  type k_mem_t is array (0 to ROWS - 1) of k_word_t;
  type v_mem_t is array (0 to ROWS - 1) of v_word_t;
  type y_mem_t is array (0 to ROWS - 1) of y_word_t;

  signal clk     : std_logic := '0';
  signal rst     : std_logic := '1';
  signal start   : std_logic := '0';
  signal done    : std_logic;
  signal q_addr  : natural range 0 to ROWS - 1;
  signal q_data  : q_word_t;
  signal k_addr  : natural range 0 to ROWS - 1;
  signal k_data  : k_word_t;
  signal v_addr  : natural range 0 to ROWS - 1;
  signal v_data  : v_word_t;
  signal y_addr  : natural range 0 to ROWS - 1;
  signal y_data  : y_word_t;
  signal y_we    : std_logic;
  signal q_mem   : q_mem_t;
  signal k_mem   : k_mem_t;
  signal v_mem   : v_mem_t;
  signal y_mem   : y_mem_t;
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_attention
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, HEADS => HEADS, Q_BITS => Q_BITS, K_BITS => K_BITS,
      V_BITS => V_BITS, OUTPUT_BITS => OUTPUT_BITS, Q_ZERO => Q_ZERO, K_ZERO => K_ZERO,
      V_ZERO => V_ZERO, OUTPUT_ZERO => OUTPUT_ZERO, OUTPUT_MIN => OUTPUT_MIN,
      OUTPUT_MAX => OUTPUT_MAX, SCORE_ACC_BITS => SCORE_ACC_BITS,
      SCORE_MULTIPLIER => SCORE_MULTIPLIER, SCORE_SHIFT => SCORE_SHIFT, PROB_BITS => PROB_BITS,
      FRAC_BITS => FRAC_BITS, EXP_BITS => EXP_BITS, EXP2_TABLE => EXP2_TABLE,
      ACC_BITS => ACC_BITS, MULTIPLIER => MULTIPLIER, SHIFT => SHIFT, PAR => PAR,
      MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => done, q_addr => q_addr,
      q_data => q_data, k_addr => k_addr, k_data => k_data, v_addr => v_addr,
      v_data => v_data, y_addr => y_addr, y_data => y_data, y_we => y_we
    );

  memories : process (clk)
  begin
    if rising_edge(clk) then
      q_data <= q_mem(q_addr);
      k_data <= k_mem(k_addr);
      v_data <= v_mem(v_addr);
      if y_we = '1' then
        y_mem(y_addr) <= y_data;
      end if;
    end if;
  end process memories;

  check : process
    file vectors_f      : text;
    variable samples_v  : integer;
    variable q_v        : q_word_t;
    variable k_v        : k_word_t;
    variable v_v        : v_word_t;
    variable expected_v : y_mem_t;
    variable cycles_v   : natural;
    variable errors_v   : natural := 0;
  begin
    report "resq_attention_tb:" & generic_image("ROWS", ROWS)
      & generic_image("FEATURES", FEATURES) & generic_image("HEADS", HEADS)
      & generic_image("Q_BITS", Q_BITS) & generic_image("K_BITS", K_BITS)
      & generic_image("V_BITS", V_BITS) & generic_image("OUTPUT_BITS", OUTPUT_BITS)
      & generic_image("PROB_BITS", PROB_BITS) & generic_image("PAR", PAR)
      & " MULT_STYLE=" & MULT_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, Q_BITS, q_v);
        q_mem(r) <= q_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, K_BITS, k_v);
        k_mem(r) <= k_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, V_BITS, v_v);
        v_mem(r) <= v_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, OUTPUT_BITS, expected_v(r));
      end loop;
      run_once("resq_attention_tb", WATCHDOG_c, clk, start, done, cycles_v);
      for r in 0 to ROWS - 1 loop
        check_row("resq_attention_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_attention_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
