-- resq_mha: multi-head self-attention of a Transformer encoder layer, bit for bit
-- resq.qat.intref (linear_int for the projections, attention_int between them):
--   q = linear(x; Q), k = linear(x; K), v = linear(x; V)    (resq_projection, one after another)
--   c = attention(q, k, v)                                  (resq_attention, HEADS heads)
--   y = linear(c; O)
-- x and y are (ROWS, FEATURES); q, k, v and c live in resq_buffer of RAM_STYLE. Each
-- projection's <P>_WEIGHTS and <P>_BIASES are ROM contents in resq_linear's layout (see
-- resq_projection). The projections run PAR multiplies per cycle, the attention
-- ATTENTION_PAR (which must divide FEATURES / HEADS). start runs the query projection; each
-- block's done starts the next; done pulses when y is written. Memories answer one cycle
-- after the address; x is read by the three input projections in turn.
library ieee;
use ieee.std_logic_1164.all;

library resq;

entity resq_mha is
  generic (
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
end entity resq_mha;

architecture rtl of resq_mha is

  signal q_we     : std_logic;
  signal q_w_addr : natural range 0 to ROWS - 1;
  signal q_w_data : std_logic_vector(FEATURES * Q_BITS - 1 downto 0);
  signal q_r_addr : natural range 0 to ROWS - 1;
  signal q_r_data : std_logic_vector(FEATURES * Q_BITS - 1 downto 0);
  signal k_we     : std_logic;
  signal k_w_addr : natural range 0 to ROWS - 1;
  signal k_w_data : std_logic_vector(FEATURES * K_BITS - 1 downto 0);
  signal k_r_addr : natural range 0 to ROWS - 1;
  signal k_r_data : std_logic_vector(FEATURES * K_BITS - 1 downto 0);
  signal v_we     : std_logic;
  signal v_w_addr : natural range 0 to ROWS - 1;
  signal v_w_data : std_logic_vector(FEATURES * V_BITS - 1 downto 0);
  signal v_r_addr : natural range 0 to ROWS - 1;
  signal v_r_data : std_logic_vector(FEATURES * V_BITS - 1 downto 0);
  signal c_we     : std_logic;
  signal c_w_addr : natural range 0 to ROWS - 1;
  signal c_w_data : std_logic_vector(FEATURES * C_BITS - 1 downto 0);
  signal c_r_addr : natural range 0 to ROWS - 1;
  signal c_r_data : std_logic_vector(FEATURES * C_BITS - 1 downto 0);
  signal q_done   : std_logic;
  signal k_done   : std_logic;
  signal v_done   : std_logic;
  signal c_done   : std_logic;
  signal q_x_addr : natural range 0 to ROWS - 1;
  signal k_x_addr : natural range 0 to ROWS - 1;
  signal v_x_addr : natural range 0 to ROWS - 1;
  -- The projection that reads x: 0 query, 1 key, 2 value.
  signal reader_r : natural range 0 to 2 := 0;

begin

  with reader_r select x_addr <=
    q_x_addr when 0,
    k_x_addr when 1,
    v_x_addr when others;

  readers : process (clk)
  begin
    if rising_edge(clk) then
      if start = '1' or rst = '1' then
        reader_r <= 0;
      elsif q_done = '1' then
        reader_r <= 1;
      elsif k_done = '1' then
        reader_r <= 2;
      end if;
    end if;
  end process readers;

  q_projection : entity resq.resq_projection
    generic map (
      ROWS => ROWS, IN_FEATURES => FEATURES, OUT_FEATURES => FEATURES,
      INPUT_BITS => INPUT_BITS, WEIGHT_BITS => Q_WEIGHT_BITS, OUTPUT_BITS => Q_BITS,
      ACC_BITS => Q_ACC_BITS, INPUT_ZERO => INPUT_ZERO, WEIGHT_ZERO => Q_WEIGHT_ZERO,
      OUTPUT_ZERO => Q_ZERO, OUTPUT_MIN => Q_MIN, OUTPUT_MAX => Q_MAX,
      MULTIPLIER => Q_MULTIPLIER, SHIFT => Q_SHIFT, WEIGHTS => Q_WEIGHTS,
      BIASES => Q_BIASES, PAR => PAR, MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => q_done, x_addr => q_x_addr,
      x_data => x_data, y_addr => q_w_addr, y_data => q_w_data, y_we => q_we
    );

  q_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * Q_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => q_we, w_addr => q_w_addr, w_data => q_w_data,
              r_addr => q_r_addr, r_data => q_r_data);

  k_projection : entity resq.resq_projection
    generic map (
      ROWS => ROWS, IN_FEATURES => FEATURES, OUT_FEATURES => FEATURES,
      INPUT_BITS => INPUT_BITS, WEIGHT_BITS => K_WEIGHT_BITS, OUTPUT_BITS => K_BITS,
      ACC_BITS => K_ACC_BITS, INPUT_ZERO => INPUT_ZERO, WEIGHT_ZERO => K_WEIGHT_ZERO,
      OUTPUT_ZERO => K_ZERO, OUTPUT_MIN => K_MIN, OUTPUT_MAX => K_MAX,
      MULTIPLIER => K_MULTIPLIER, SHIFT => K_SHIFT, WEIGHTS => K_WEIGHTS,
      BIASES => K_BIASES, PAR => PAR, MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => q_done, done => k_done, x_addr => k_x_addr,
      x_data => x_data, y_addr => k_w_addr, y_data => k_w_data, y_we => k_we
    );

  k_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * K_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => k_we, w_addr => k_w_addr, w_data => k_w_data,
              r_addr => k_r_addr, r_data => k_r_data);

  v_projection : entity resq.resq_projection
    generic map (
      ROWS => ROWS, IN_FEATURES => FEATURES, OUT_FEATURES => FEATURES,
      INPUT_BITS => INPUT_BITS, WEIGHT_BITS => V_WEIGHT_BITS, OUTPUT_BITS => V_BITS,
      ACC_BITS => V_ACC_BITS, INPUT_ZERO => INPUT_ZERO, WEIGHT_ZERO => V_WEIGHT_ZERO,
      OUTPUT_ZERO => V_ZERO, OUTPUT_MIN => V_MIN, OUTPUT_MAX => V_MAX,
      MULTIPLIER => V_MULTIPLIER, SHIFT => V_SHIFT, WEIGHTS => V_WEIGHTS,
      BIASES => V_BIASES, PAR => PAR, MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => k_done, done => v_done, x_addr => v_x_addr,
      x_data => x_data, y_addr => v_w_addr, y_data => v_w_data, y_we => v_we
    );

  v_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * V_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => v_we, w_addr => v_w_addr, w_data => v_w_data,
              r_addr => v_r_addr, r_data => v_r_data);

  attention : entity resq.resq_attention
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, HEADS => HEADS, Q_BITS => Q_BITS, K_BITS => K_BITS,
      V_BITS => V_BITS, OUTPUT_BITS => C_BITS, Q_ZERO => Q_ZERO, K_ZERO => K_ZERO,
      V_ZERO => V_ZERO, OUTPUT_ZERO => C_ZERO, OUTPUT_MIN => C_MIN, OUTPUT_MAX => C_MAX,
      SCORE_ACC_BITS => SCORE_ACC_BITS, SCORE_MULTIPLIER => SCORE_MULTIPLIER,
      SCORE_SHIFT => SCORE_SHIFT, PROB_BITS => PROB_BITS, FRAC_BITS => FRAC_BITS,
      EXP_BITS => EXP_BITS, EXP2_TABLE => EXP2_TABLE, ACC_BITS => C_ACC_BITS,
      MULTIPLIER => C_MULTIPLIER, SHIFT => C_SHIFT, PAR => ATTENTION_PAR,
      MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => v_done, done => c_done, q_addr => q_r_addr,
      q_data => q_r_data, k_addr => k_r_addr, k_data => k_r_data, v_addr => v_r_addr,
      v_data => v_r_data, y_addr => c_w_addr, y_data => c_w_data, y_we => c_we
    );

  c_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => FEATURES * C_BITS, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => c_we, w_addr => c_w_addr, w_data => c_w_data,
              r_addr => c_r_addr, r_data => c_r_data);

  o_projection : entity resq.resq_projection
    generic map (
      ROWS => ROWS, IN_FEATURES => FEATURES, OUT_FEATURES => FEATURES,
      INPUT_BITS => C_BITS, WEIGHT_BITS => O_WEIGHT_BITS, OUTPUT_BITS => OUTPUT_BITS,
      ACC_BITS => O_ACC_BITS, INPUT_ZERO => C_ZERO, WEIGHT_ZERO => O_WEIGHT_ZERO,
      OUTPUT_ZERO => OUTPUT_ZERO, OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX,
      MULTIPLIER => O_MULTIPLIER, SHIFT => O_SHIFT, WEIGHTS => O_WEIGHTS,
      BIASES => O_BIASES, PAR => PAR, MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => c_done, done => done, x_addr => c_r_addr,
      x_data => c_r_data, y_addr => y_addr, y_data => y_data, y_we => y_we
    );

end architecture rtl;
