-- resq_encoder_layer: one Transformer encoder layer of resq.qat's model, bit for bit
-- resq.qat.intref (the chain of resq.hdlgen.ipvectors.encoder_layer_case):
--   m  = mha(x)                       (resq_mha: Q, K, V projections, attention, output)
--   s1 = add(x, m);  n1 = batchnorm(s1)   (AddMHA, BNMHA)
--   f  = ffn(n1)                      (resq_ffn, ReLU after the first linear)
--   s2 = add(n1, f); y = batchnorm(s2)    (AddFFN, BNFFN)
-- x and y are (ROWS, FEATURES); m, s1, n1, f and s2 live in resq_buffer of RAM_STYLE. The
-- generics are those of the parts: resq_mha's (its output range MHA_*), ADD1_* and ADD2_*
-- (accumulator, multipliers, shift, output range), BN1_* and BN2_* (weights, biases as
-- ROM generics, requantization; BN2's output range is OUTPUT_*), resq_ffn's (output range
-- FFN_*). Linears run PAR multiplies per cycle, the attention ATTENTION_PAR, the adds and
-- batch norms ELEMENT_PAR with ELEMENT_MULT_STYLE (few cycles there; LUT multipliers save
-- DSPs). start runs the mha; each block's done starts the next; done pulses when y is
-- written. Memories answer one cycle after the address; x is read by mha, then by add1.
library ieee;
use ieee.std_logic_1164.all;

library resq;

entity resq_encoder_layer is
  generic (
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
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_addr : out natural range 0 to ROWS - 1;
    x_data : in  std_logic_vector(FEATURES * INPUT_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_encoder_layer;

architecture rtl of resq_encoder_layer is

  signal m_we         : std_logic;
  signal m_w_addr     : natural range 0 to ROWS - 1;
  signal m_w_data     : std_logic_vector(FEATURES * MHA_BITS - 1 downto 0);
  signal m_r_addr     : natural range 0 to ROWS - 1;
  signal m_r_data     : std_logic_vector(FEATURES * MHA_BITS - 1 downto 0);
  signal s1_we        : std_logic;
  signal s1_w_addr    : natural range 0 to ROWS - 1;
  signal s1_w_data    : std_logic_vector(FEATURES * ADD1_BITS - 1 downto 0);
  signal s1_r_addr    : natural range 0 to ROWS - 1;
  signal s1_r_data    : std_logic_vector(FEATURES * ADD1_BITS - 1 downto 0);
  signal n1_we        : std_logic;
  signal n1_w_addr    : natural range 0 to ROWS - 1;
  signal n1_w_data    : std_logic_vector(FEATURES * BN1_BITS - 1 downto 0);
  signal n1_r_addr    : natural range 0 to ROWS - 1;
  signal n1_r_data    : std_logic_vector(FEATURES * BN1_BITS - 1 downto 0);
  signal f_we         : std_logic;
  signal f_w_addr     : natural range 0 to ROWS - 1;
  signal f_w_data     : std_logic_vector(FEATURES * FFN_BITS - 1 downto 0);
  signal f_r_addr     : natural range 0 to ROWS - 1;
  signal f_r_data     : std_logic_vector(FEATURES * FFN_BITS - 1 downto 0);
  signal s2_we        : std_logic;
  signal s2_w_addr    : natural range 0 to ROWS - 1;
  signal s2_w_data    : std_logic_vector(FEATURES * ADD2_BITS - 1 downto 0);
  signal s2_r_addr    : natural range 0 to ROWS - 1;
  signal s2_r_data    : std_logic_vector(FEATURES * ADD2_BITS - 1 downto 0);
  signal mha_done     : std_logic;
  signal add1_done    : std_logic;
  signal bn1_done     : std_logic;
  signal ffn_done     : std_logic;
  signal add2_done    : std_logic;
  signal mha_x_addr   : natural range 0 to ROWS - 1;
  signal add1_x_addr  : natural range 0 to ROWS - 1;
  signal ffn_n1_addr  : natural range 0 to ROWS - 1;
  signal add2_n1_addr : natural range 0 to ROWS - 1;
  -- Who reads x (mha, then add1) and n1 (ffn, then add2).
  signal x_reader_r   : std_logic := '0';
  signal n1_reader_r  : std_logic := '0';

begin

  x_addr    <= mha_x_addr when x_reader_r = '0' else add1_x_addr;
  n1_r_addr <= ffn_n1_addr when n1_reader_r = '0' else add2_n1_addr;

  readers : process (clk)
  begin
    if rising_edge(clk) then
      if start = '1' or rst = '1' then
        x_reader_r  <= '0';
        n1_reader_r <= '0';
      else
        if mha_done = '1' then
          x_reader_r <= '1';
        end if;
        if ffn_done = '1' then
          n1_reader_r <= '1';
        end if;
      end if;
    end if;
  end process readers;

  mha_block : entity resq.resq_mha
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
      O_BIASES => O_BIASES, OUTPUT_BITS => MHA_BITS, OUTPUT_ZERO => MHA_ZERO,
      OUTPUT_MIN => MHA_MIN, OUTPUT_MAX => MHA_MAX, PAR => PAR,
      ATTENTION_PAR => ATTENTION_PAR, MULT_STYLE => MULT_STYLE, RAM_STYLE => RAM_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => mha_done, x_addr => mha_x_addr,
      x_data => x_data, y_addr => m_w_addr, y_data => m_w_data, y_we => m_we
    );

  m_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * MHA_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => m_we, w_addr => m_w_addr, w_data => m_w_data,
              r_addr => m_r_addr, r_data => m_r_data);

  add1_block : entity resq.resq_add
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, A_BITS => INPUT_BITS, B_BITS => MHA_BITS,
      OUTPUT_BITS => ADD1_BITS, ACC_BITS => ADD1_ACC_BITS, A_ZERO => INPUT_ZERO,
      B_ZERO => MHA_ZERO, OUTPUT_ZERO => ADD1_ZERO, OUTPUT_MIN => ADD1_MIN,
      OUTPUT_MAX => ADD1_MAX, A_MULTIPLIER => ADD1_A_MULTIPLIER,
      B_MULTIPLIER => ADD1_B_MULTIPLIER, SHIFT => ADD1_SHIFT, PAR => ELEMENT_PAR,
      MULT_STYLE => ELEMENT_MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => mha_done, done => add1_done, a_addr => add1_x_addr,
      a_data => x_data, b_addr => m_r_addr, b_data => m_r_data, y_addr => s1_w_addr,
      y_data => s1_w_data, y_we => s1_we
    );

  s1_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * ADD1_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => s1_we, w_addr => s1_w_addr, w_data => s1_w_data,
              r_addr => s1_r_addr, r_data => s1_r_data);

  bn1_block : entity resq.resq_batchnorm
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, INPUT_BITS => ADD1_BITS,
      WEIGHT_BITS => BN1_WEIGHT_BITS, OUTPUT_BITS => BN1_BITS, ACC_BITS => BN1_ACC_BITS,
      INPUT_ZERO => ADD1_ZERO, WEIGHT_ZERO => BN1_WEIGHT_ZERO, OUTPUT_ZERO => BN1_ZERO,
      OUTPUT_MIN => BN1_MIN, OUTPUT_MAX => BN1_MAX, MULTIPLIER => BN1_MULTIPLIER,
      SHIFT => BN1_SHIFT, WEIGHTS => BN1_WEIGHTS, BIASES => BN1_BIASES, PAR => ELEMENT_PAR,
      MULT_STYLE => ELEMENT_MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => add1_done, done => bn1_done, x_addr => s1_r_addr,
      x_data => s1_r_data, y_addr => n1_w_addr, y_data => n1_w_data, y_we => n1_we
    );

  n1_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * BN1_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => n1_we, w_addr => n1_w_addr, w_data => n1_w_data,
              r_addr => n1_r_addr, r_data => n1_r_data);

  ffn_block : entity resq.resq_ffn
    generic map (
      ROWS => ROWS, IN_FEATURES => FEATURES, HIDDEN => HIDDEN, OUT_FEATURES => FEATURES,
      INPUT_BITS => BN1_BITS, INPUT_ZERO => BN1_ZERO, W1_BITS => W1_BITS,
      W1_ZERO => W1_ZERO, ACC1_BITS => ACC1_BITS, HIDDEN_BITS => HIDDEN_BITS,
      HIDDEN_ZERO => HIDDEN_ZERO, HIDDEN_MIN => HIDDEN_MIN, HIDDEN_MAX => HIDDEN_MAX,
      MULTIPLIER1 => MULTIPLIER1, SHIFT1 => SHIFT1, RELU => RELU, W1 => W1, B1 => B1,
      W2_BITS => W2_BITS, W2_ZERO => W2_ZERO, ACC2_BITS => ACC2_BITS,
      OUTPUT_BITS => FFN_BITS, OUTPUT_ZERO => FFN_ZERO, OUTPUT_MIN => FFN_MIN,
      OUTPUT_MAX => FFN_MAX, MULTIPLIER2 => MULTIPLIER2, SHIFT2 => SHIFT2, W2 => W2,
      B2 => B2, PAR => PAR, MULT_STYLE => MULT_STYLE, RAM_STYLE => RAM_STYLE
    )
    port map (
      clk => clk, rst => rst, start => bn1_done, done => ffn_done, x_addr => ffn_n1_addr,
      x_data => n1_r_data, y_addr => f_w_addr, y_data => f_w_data, y_we => f_we
    );

  f_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * FFN_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => f_we, w_addr => f_w_addr, w_data => f_w_data,
              r_addr => f_r_addr, r_data => f_r_data);

  add2_block : entity resq.resq_add
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, A_BITS => BN1_BITS, B_BITS => FFN_BITS,
      OUTPUT_BITS => ADD2_BITS, ACC_BITS => ADD2_ACC_BITS, A_ZERO => BN1_ZERO,
      B_ZERO => FFN_ZERO, OUTPUT_ZERO => ADD2_ZERO, OUTPUT_MIN => ADD2_MIN,
      OUTPUT_MAX => ADD2_MAX, A_MULTIPLIER => ADD2_A_MULTIPLIER,
      B_MULTIPLIER => ADD2_B_MULTIPLIER, SHIFT => ADD2_SHIFT, PAR => ELEMENT_PAR,
      MULT_STYLE => ELEMENT_MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => ffn_done, done => add2_done, a_addr => add2_n1_addr,
      a_data => n1_r_data, b_addr => f_r_addr, b_data => f_r_data, y_addr => s2_w_addr,
      y_data => s2_w_data, y_we => s2_we
    );

  s2_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * ADD2_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => s2_we, w_addr => s2_w_addr, w_data => s2_w_data,
              r_addr => s2_r_addr, r_data => s2_r_data);

  bn2_block : entity resq.resq_batchnorm
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, INPUT_BITS => ADD2_BITS,
      WEIGHT_BITS => BN2_WEIGHT_BITS, OUTPUT_BITS => OUTPUT_BITS, ACC_BITS => BN2_ACC_BITS,
      INPUT_ZERO => ADD2_ZERO, WEIGHT_ZERO => BN2_WEIGHT_ZERO, OUTPUT_ZERO => OUTPUT_ZERO,
      OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX, MULTIPLIER => BN2_MULTIPLIER,
      SHIFT => BN2_SHIFT, WEIGHTS => BN2_WEIGHTS, BIASES => BN2_BIASES, PAR => ELEMENT_PAR,
      MULT_STYLE => ELEMENT_MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => add2_done, done => done, x_addr => s2_r_addr,
      x_data => s2_r_data, y_addr => y_addr, y_data => y_data, y_we => y_we
    );

end architecture rtl;
