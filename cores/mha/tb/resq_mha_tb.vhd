-- Self-checking testbench of resq_mha. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.qat.intref: linear_int, attention_int, linear_int) holds the number of samples, then
-- per sample ROWS lines of inputs and ROWS lines of expected outputs; weights, biases and
-- the exponential table arrive as generics. Memories answer one cycle after the address.
-- Every mismatching row is reported; any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_mha_tb is
  generic (
    VECTORS          : string   := "vectors.txt";
    ROWS             : positive := 24;
    FEATURES         : positive := 16;
    HEADS            : positive := 1;
    INPUT_BITS       : positive := 8;
    INPUT_ZERO       : integer  := 0;
    Q_WEIGHT_BITS    : positive := 8;
    Q_WEIGHT_ZERO    : integer  := 0;
    Q_ACC_BITS       : positive := 22;
    Q_MULTIPLIER     : natural  := 16384;
    Q_SHIFT          : positive := 20;
    Q_WEIGHTS        : std_logic_vector;
    Q_BIASES         : std_logic_vector;
    Q_BITS           : positive := 8;
    Q_ZERO           : integer  := 0;
    Q_MIN            : integer  := -127;
    Q_MAX            : integer  := 127;
    K_WEIGHT_BITS    : positive := 8;
    K_WEIGHT_ZERO    : integer  := 0;
    K_ACC_BITS       : positive := 22;
    K_MULTIPLIER     : natural  := 16384;
    K_SHIFT          : positive := 20;
    K_WEIGHTS        : std_logic_vector;
    K_BIASES         : std_logic_vector;
    K_BITS           : positive := 8;
    K_ZERO           : integer  := 0;
    K_MIN            : integer  := -127;
    K_MAX            : integer  := 127;
    V_WEIGHT_BITS    : positive := 8;
    V_WEIGHT_ZERO    : integer  := 0;
    V_ACC_BITS       : positive := 22;
    V_MULTIPLIER     : natural  := 16384;
    V_SHIFT          : positive := 20;
    V_WEIGHTS        : std_logic_vector;
    V_BIASES         : std_logic_vector;
    V_BITS           : positive := 8;
    V_ZERO           : integer  := 0;
    V_MIN            : integer  := -127;
    V_MAX            : integer  := 127;
    C_BITS           : positive := 8;
    C_ZERO           : integer  := 0;
    C_MIN            : integer  := -127;
    C_MAX            : integer  := 127;
    C_ACC_BITS       : positive := 23;
    C_MULTIPLIER     : natural  := 16384;
    C_SHIFT          : positive := 20;
    SCORE_ACC_BITS   : positive := 22;
    SCORE_MULTIPLIER : natural  := 16384;
    SCORE_SHIFT      : positive := 20;
    PROB_BITS        : positive := 8;
    FRAC_BITS        : positive := 6;
    EXP_BITS         : positive := 15;
    EXP2_TABLE       : std_logic_vector;
    O_WEIGHT_BITS    : positive := 8;
    O_WEIGHT_ZERO    : integer  := 0;
    O_ACC_BITS       : positive := 22;
    O_MULTIPLIER     : natural  := 16384;
    O_SHIFT          : positive := 20;
    O_WEIGHTS        : std_logic_vector;
    O_BIASES         : std_logic_vector;
    OUTPUT_BITS      : positive := 8;
    OUTPUT_ZERO      : integer  := 0;
    OUTPUT_MIN       : integer  := -127;
    OUTPUT_MAX       : integer  := 127;
    PAR              : positive := 1;
    ATTENTION_PAR    : positive := 1;
    MULT_STYLE       : string   := "dsp";
    RAM_STYLE        : string   := "auto"
  );
end entity resq_mha_tb;

architecture sim of resq_mha_tb is

  subtype x_word_t is std_logic_vector(FEATURES * INPUT_BITS - 1 downto 0);
  subtype y_word_t is std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
  type x_mem_t is array (0 to ROWS - 1) of x_word_t;
  type y_mem_t is array (0 to ROWS - 1) of y_word_t;

  signal clk     : std_logic := '0';
  signal rst     : std_logic := '1';
  signal start   : std_logic := '0';
  signal done    : std_logic;
  signal x_addr  : natural range 0 to ROWS - 1;
  signal x_data  : x_word_t;
  signal y_addr  : natural range 0 to ROWS - 1;
  signal y_data  : y_word_t;
  signal y_we    : std_logic;
  signal x_mem   : x_mem_t;
  signal y_mem   : y_mem_t;
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_mha
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, HEADS => HEADS, INPUT_BITS => INPUT_BITS,
      INPUT_ZERO => INPUT_ZERO, Q_WEIGHT_BITS => Q_WEIGHT_BITS,
      Q_WEIGHT_ZERO => Q_WEIGHT_ZERO, Q_ACC_BITS => Q_ACC_BITS,
      Q_MULTIPLIER => Q_MULTIPLIER, Q_SHIFT => Q_SHIFT, Q_WEIGHTS => Q_WEIGHTS,
      Q_BIASES => Q_BIASES, Q_BITS => Q_BITS, Q_ZERO => Q_ZERO, Q_MIN => Q_MIN,
      Q_MAX => Q_MAX, K_WEIGHT_BITS => K_WEIGHT_BITS, K_WEIGHT_ZERO => K_WEIGHT_ZERO,
      K_ACC_BITS => K_ACC_BITS, K_MULTIPLIER => K_MULTIPLIER, K_SHIFT => K_SHIFT,
      K_WEIGHTS => K_WEIGHTS, K_BIASES => K_BIASES, K_BITS => K_BITS, K_ZERO => K_ZERO,
      K_MIN => K_MIN, K_MAX => K_MAX, V_WEIGHT_BITS => V_WEIGHT_BITS,
      V_WEIGHT_ZERO => V_WEIGHT_ZERO, V_ACC_BITS => V_ACC_BITS,
      V_MULTIPLIER => V_MULTIPLIER, V_SHIFT => V_SHIFT, V_WEIGHTS => V_WEIGHTS,
      V_BIASES => V_BIASES, V_BITS => V_BITS, V_ZERO => V_ZERO, V_MIN => V_MIN,
      V_MAX => V_MAX, C_BITS => C_BITS, C_ZERO => C_ZERO, C_MIN => C_MIN, C_MAX => C_MAX,
      C_ACC_BITS => C_ACC_BITS, C_MULTIPLIER => C_MULTIPLIER, C_SHIFT => C_SHIFT,
      SCORE_ACC_BITS => SCORE_ACC_BITS, SCORE_MULTIPLIER => SCORE_MULTIPLIER,
      SCORE_SHIFT => SCORE_SHIFT, PROB_BITS => PROB_BITS, FRAC_BITS => FRAC_BITS,
      EXP_BITS => EXP_BITS, EXP2_TABLE => EXP2_TABLE, O_WEIGHT_BITS => O_WEIGHT_BITS,
      O_WEIGHT_ZERO => O_WEIGHT_ZERO, O_ACC_BITS => O_ACC_BITS,
      O_MULTIPLIER => O_MULTIPLIER, O_SHIFT => O_SHIFT, O_WEIGHTS => O_WEIGHTS,
      O_BIASES => O_BIASES, OUTPUT_BITS => OUTPUT_BITS, OUTPUT_ZERO => OUTPUT_ZERO,
      OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX, PAR => PAR,
      ATTENTION_PAR => ATTENTION_PAR, MULT_STYLE => MULT_STYLE, RAM_STYLE => RAM_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => done, x_addr => x_addr,
      x_data => x_data, y_addr => y_addr, y_data => y_data, y_we => y_we
    );

  memories : process (clk)
  begin
    if rising_edge(clk) then
      x_data <= x_mem(x_addr);
      if y_we = '1' then
        y_mem(y_addr) <= y_data;
      end if;
    end if;
  end process memories;

  check : process
    file vectors_f      : text;
    variable samples_v  : integer;
    variable x_v        : x_word_t;
    variable expected_v : y_mem_t;
    variable cycles_v   : natural;
    variable errors_v   : natural := 0;
  begin
    report "resq_mha_tb:" & generic_image("ROWS", ROWS) & generic_image("FEATURES", FEATURES)
      & generic_image("HEADS", HEADS) & generic_image("INPUT_BITS", INPUT_BITS)
      & generic_image("C_BITS", C_BITS) & generic_image("OUTPUT_BITS", OUTPUT_BITS)
      & generic_image("PROB_BITS", PROB_BITS) & generic_image("PAR", PAR)
      & generic_image("ATTENTION_PAR", ATTENTION_PAR) & " MULT_STYLE=" & MULT_STYLE
      & " RAM_STYLE=" & RAM_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, INPUT_BITS, x_v);
        x_mem(r) <= x_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, OUTPUT_BITS, expected_v(r));
      end loop;
      run_once(clk, start, done, cycles_v);
      for r in 0 to ROWS - 1 loop
        check_row("resq_mha_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_mha_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
