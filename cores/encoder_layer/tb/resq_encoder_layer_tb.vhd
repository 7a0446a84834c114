-- Self-checking testbench of resq_encoder_layer. VECTORS (written by resq.hdlgen.ipvectors
-- from resq.qat.intref) holds the number of samples, then per sample ROWS lines of inputs
-- and ROWS lines of expected outputs; every layer's numbers and ROM contents arrive as
-- generics. Memories answer one cycle after the address. Every mismatching row is
-- reported; any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_encoder_layer_tb is
  generic (
    VECTORS            : string   := "vectors.txt";
    ROWS               : positive := 4;
    FEATURES           : positive := 4;
    HEADS              : positive := 2;
    HIDDEN             : positive := 6;
    INPUT_BITS         : positive := 8;
    INPUT_ZERO         : integer  := 1;
    Q_WEIGHT_BITS      : positive := 8;
    Q_WEIGHT_ZERO      : integer  := 28;
    Q_ACC_BITS         : positive := 20;
    Q_MULTIPLIER       : natural  := 20863;
    Q_SHIFT            : positive := 22;
    Q_WEIGHTS          : std_logic_vector;
    Q_BIASES           : std_logic_vector;
    Q_BITS             : positive := 8;
    Q_ZERO             : integer  := 0;
    Q_MIN              : integer  := -127;
    Q_MAX              : integer  := 127;
    K_WEIGHT_BITS      : positive := 8;
    K_WEIGHT_ZERO      : integer  := 0;
    K_ACC_BITS         : positive := 20;
    K_MULTIPLIER       : natural  := 20663;
    K_SHIFT            : positive := 22;
    K_WEIGHTS          : std_logic_vector;
    K_BIASES           : std_logic_vector;
    K_BITS             : positive := 8;
    K_ZERO             : integer  := -58;
    K_MIN              : integer  := -128;
    K_MAX              : integer  := 127;
    V_WEIGHT_BITS      : positive := 8;
    V_WEIGHT_ZERO      : integer  := 0;
    V_ACC_BITS         : positive := 20;
    V_MULTIPLIER       : natural  := 17944;
    V_SHIFT            : positive := 22;
    V_WEIGHTS          : std_logic_vector;
    V_BIASES           : std_logic_vector;
    V_BITS             : positive := 8;
    V_ZERO             : integer  := 0;
    V_MIN              : integer  := -127;
    V_MAX              : integer  := 127;
    C_BITS             : positive := 8;
    C_ZERO             : integer  := 16;
    C_MIN              : integer  := -128;
    C_MAX              : integer  := 127;
    C_ACC_BITS         : positive := 20;
    C_MULTIPLIER       : natural  := 28593;
    C_SHIFT            : positive := 22;
    SCORE_ACC_BITS     : positive := 19;
    SCORE_MULTIPLIER   : natural  := 24957;
    SCORE_SHIFT        : positive := 19;
    PROB_BITS          : positive := 8;
    FRAC_BITS          : positive := 6;
    EXP_BITS           : positive := 15;
    EXP2_TABLE         : std_logic_vector;
    O_WEIGHT_BITS      : positive := 8;
    O_WEIGHT_ZERO      : integer  := 0;
    O_ACC_BITS         : positive := 20;
    O_MULTIPLIER       : natural  := 23508;
    O_SHIFT            : positive := 22;
    O_WEIGHTS          : std_logic_vector;
    O_BIASES           : std_logic_vector;
    MHA_BITS           : positive := 8;
    MHA_ZERO           : integer  := -39;
    MHA_MIN            : integer  := -128;
    MHA_MAX            : integer  := 127;
    ADD1_ACC_BITS      : positive := 26;
    ADD1_A_MULTIPLIER  : natural  := 23812;
    ADD1_B_MULTIPLIER  : natural  := 28155;
    ADD1_SHIFT         : positive := 15;
    ADD1_BITS          : positive := 8;
    ADD1_ZERO          : integer  := -11;
    ADD1_MIN           : integer  := -128;
    ADD1_MAX           : integer  := 127;
    BN1_WEIGHT_BITS    : positive := 8;
    BN1_WEIGHT_ZERO    : integer  := 0;
    BN1_ACC_BITS       : positive := 18;
    BN1_MULTIPLIER     : natural  := 24661;
    BN1_SHIFT          : positive := 24;
    BN1_WEIGHTS        : std_logic_vector;
    BN1_BIASES         : std_logic_vector;
    BN1_BITS           : positive := 8;
    BN1_ZERO           : integer  := 60;
    BN1_MIN            : integer  := -128;
    BN1_MAX            : integer  := 127;
    W1_BITS            : positive := 8;
    W1_ZERO            : integer  := 61;
    ACC1_BITS          : positive := 20;
    HIDDEN_BITS        : positive := 8;
    HIDDEN_ZERO        : integer  := 0;
    HIDDEN_MIN         : integer  := -127;
    HIDDEN_MAX         : integer  := 127;
    MULTIPLIER1        : natural  := 20333;
    SHIFT1             : positive := 22;
    RELU               : boolean  := true;
    W1                 : std_logic_vector;
    B1                 : std_logic_vector;
    W2_BITS            : positive := 8;
    W2_ZERO            : integer  := -17;
    ACC2_BITS          : positive := 21;
    FFN_BITS           : positive := 8;
    FFN_ZERO           : integer  := 49;
    FFN_MIN            : integer  := -128;
    FFN_MAX            : integer  := 127;
    MULTIPLIER2        : natural  := 26470;
    SHIFT2             : positive := 23;
    W2                 : std_logic_vector;
    B2                 : std_logic_vector;
    ADD2_ACC_BITS      : positive := 26;
    ADD2_A_MULTIPLIER  : natural  := 21354;
    ADD2_B_MULTIPLIER  : natural  := 20724;
    ADD2_SHIFT         : positive := 15;
    ADD2_BITS          : positive := 8;
    ADD2_ZERO          : integer  := 0;
    ADD2_MIN           : integer  := -127;
    ADD2_MAX           : integer  := 127;
    BN2_WEIGHT_BITS    : positive := 8;
    BN2_WEIGHT_ZERO    : integer  := -57;
    BN2_ACC_BITS       : positive := 18;
    BN2_MULTIPLIER     : natural  := 25116;
    BN2_SHIFT          : positive := 24;
    BN2_WEIGHTS        : std_logic_vector;
    BN2_BIASES         : std_logic_vector;
    OUTPUT_BITS        : positive := 8;
    OUTPUT_ZERO        : integer  := 0;
    OUTPUT_MIN         : integer  := -127;
    OUTPUT_MAX         : integer  := 127;
    PAR                : positive := 2;
    ATTENTION_PAR      : positive := 1;
    ELEMENT_PAR        : positive := 2;
    MULT_STYLE         : string   := "dsp";
    ELEMENT_MULT_STYLE : string   := "lut";
    RAM_STYLE          : string   := "auto"
  );
end entity resq_encoder_layer_tb;

architecture sim of resq_encoder_layer_tb is

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

  dut : entity resq.resq_encoder_layer
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, HEADS => HEADS, HIDDEN => HIDDEN,
      INPUT_BITS => INPUT_BITS, INPUT_ZERO => INPUT_ZERO, Q_WEIGHT_BITS => Q_WEIGHT_BITS,
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
      O_BIASES => O_BIASES, MHA_BITS => MHA_BITS, MHA_ZERO => MHA_ZERO, MHA_MIN => MHA_MIN,
      MHA_MAX => MHA_MAX, ADD1_ACC_BITS => ADD1_ACC_BITS,
      ADD1_A_MULTIPLIER => ADD1_A_MULTIPLIER, ADD1_B_MULTIPLIER => ADD1_B_MULTIPLIER,
      ADD1_SHIFT => ADD1_SHIFT, ADD1_BITS => ADD1_BITS, ADD1_ZERO => ADD1_ZERO,
      ADD1_MIN => ADD1_MIN, ADD1_MAX => ADD1_MAX, BN1_WEIGHT_BITS => BN1_WEIGHT_BITS,
      BN1_WEIGHT_ZERO => BN1_WEIGHT_ZERO, BN1_ACC_BITS => BN1_ACC_BITS,
      BN1_MULTIPLIER => BN1_MULTIPLIER, BN1_SHIFT => BN1_SHIFT, BN1_WEIGHTS => BN1_WEIGHTS,
      BN1_BIASES => BN1_BIASES, BN1_BITS => BN1_BITS, BN1_ZERO => BN1_ZERO,
      BN1_MIN => BN1_MIN, BN1_MAX => BN1_MAX, W1_BITS => W1_BITS, W1_ZERO => W1_ZERO,
      ACC1_BITS => ACC1_BITS, HIDDEN_BITS => HIDDEN_BITS, HIDDEN_ZERO => HIDDEN_ZERO,
      HIDDEN_MIN => HIDDEN_MIN, HIDDEN_MAX => HIDDEN_MAX, MULTIPLIER1 => MULTIPLIER1,
      SHIFT1 => SHIFT1, RELU => RELU, W1 => W1, B1 => B1, W2_BITS => W2_BITS,
      W2_ZERO => W2_ZERO, ACC2_BITS => ACC2_BITS, FFN_BITS => FFN_BITS,
      FFN_ZERO => FFN_ZERO, FFN_MIN => FFN_MIN, FFN_MAX => FFN_MAX,
      MULTIPLIER2 => MULTIPLIER2, SHIFT2 => SHIFT2, W2 => W2, B2 => B2,
      ADD2_ACC_BITS => ADD2_ACC_BITS, ADD2_A_MULTIPLIER => ADD2_A_MULTIPLIER,
      ADD2_B_MULTIPLIER => ADD2_B_MULTIPLIER, ADD2_SHIFT => ADD2_SHIFT,
      ADD2_BITS => ADD2_BITS, ADD2_ZERO => ADD2_ZERO, ADD2_MIN => ADD2_MIN,
      ADD2_MAX => ADD2_MAX, BN2_WEIGHT_BITS => BN2_WEIGHT_BITS,
      BN2_WEIGHT_ZERO => BN2_WEIGHT_ZERO, BN2_ACC_BITS => BN2_ACC_BITS,
      BN2_MULTIPLIER => BN2_MULTIPLIER, BN2_SHIFT => BN2_SHIFT, BN2_WEIGHTS => BN2_WEIGHTS,
      BN2_BIASES => BN2_BIASES, OUTPUT_BITS => OUTPUT_BITS, OUTPUT_ZERO => OUTPUT_ZERO,
      OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX, PAR => PAR,
      ATTENTION_PAR => ATTENTION_PAR, ELEMENT_PAR => ELEMENT_PAR, MULT_STYLE => MULT_STYLE,
      ELEMENT_MULT_STYLE => ELEMENT_MULT_STYLE, RAM_STYLE => RAM_STYLE
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
    report "resq_encoder_layer_tb:" & generic_image("ROWS", ROWS)
      & generic_image("FEATURES", FEATURES) & generic_image("HEADS", HEADS)
      & generic_image("HIDDEN", HIDDEN) & generic_image("INPUT_BITS", INPUT_BITS)
      & generic_image("OUTPUT_BITS", OUTPUT_BITS) & generic_image("PROB_BITS", PROB_BITS)
      & generic_image("PAR", PAR) & generic_image("ATTENTION_PAR", ATTENTION_PAR)
      & generic_image("ELEMENT_PAR", ELEMENT_PAR) & " MULT_STYLE=" & MULT_STYLE
      & " ELEMENT_MULT_STYLE=" & ELEMENT_MULT_STYLE & " RAM_STYLE=" & RAM_STYLE
      & " VECTORS=" & VECTORS;
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
        check_row("resq_encoder_layer_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_encoder_layer_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
