-- resq_ffn: the feed-forward block of a Transformer encoder layer, two resq_linear layers
-- through a hidden buffer, bit for bit resq.qat.intref.linear_int twice:
--   h = linear(x; W1, B1) (with ReLU when RELU),  y = linear(h; W2, B2)
-- x is (ROWS, IN_FEATURES), h (ROWS, HIDDEN) in a resq_buffer of RAM_STYLE, y
-- (ROWS, OUT_FEATURES). W1, B1, W2, B2 are the ROM contents in resq_linear's layout: word
-- o * ceil(n_in / PAR) + c holds w[o, c * PAR + j] for j < PAR (padding = the weight zero
-- point), element 0 in the low bits; biases one ACC*_BITS word per output. Both linears
-- use PAR multiplies per cycle and MULT_STYLE. start runs the first linear, its done starts
-- the second; done pulses when y is written. Memories answer one cycle after the address.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;

entity resq_ffn is
  generic (
    ROWS         : positive := 24;
    IN_FEATURES  : positive := 16;
    HIDDEN       : positive := 64;
    OUT_FEATURES : positive := 16;
    INPUT_BITS   : positive := 8;
    INPUT_ZERO   : integer  := 0;
    W1_BITS      : positive := 8;
    W1_ZERO      : integer  := 0;
    ACC1_BITS    : positive := 22;
    HIDDEN_BITS  : positive := 8;
    HIDDEN_ZERO  : integer  := 0;
    HIDDEN_MIN   : integer  := -127;
    HIDDEN_MAX   : integer  := 127;
    MULTIPLIER1  : natural  := 16384;
    SHIFT1       : positive := 20;
    RELU         : boolean  := true;
    W1           : std_logic_vector;
    B1           : std_logic_vector;
    W2_BITS      : positive := 8;
    W2_ZERO      : integer  := 0;
    ACC2_BITS    : positive := 24;
    OUTPUT_BITS  : positive := 8;
    OUTPUT_ZERO  : integer  := 0;
    OUTPUT_MIN   : integer  := -127;
    OUTPUT_MAX   : integer  := 127;
    MULTIPLIER2  : natural  := 16384;
    SHIFT2       : positive := 20;
    W2           : std_logic_vector;
    B2           : std_logic_vector;
    PAR          : positive := 1;
    MULT_STYLE   : string   := "dsp";
    RAM_STYLE    : string   := "auto"
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_addr : out natural range 0 to ROWS - 1;
    x_data : in  std_logic_vector(IN_FEATURES * INPUT_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(OUT_FEATURES * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_ffn;

architecture rtl of resq_ffn is

  constant H_WIDTH_c : positive := HIDDEN * HIDDEN_BITS;

  signal done1    : std_logic;
  signal h_w_addr : natural range 0 to ROWS - 1;
  signal h_w_data : std_logic_vector(H_WIDTH_c - 1 downto 0);
  signal h_we     : std_logic;
  signal h_r_addr : natural range 0 to ROWS - 1;
  signal h_r_data : std_logic_vector(H_WIDTH_c - 1 downto 0);

begin

  linear1 : entity resq.resq_projection
    generic map (
      ROWS => ROWS, IN_FEATURES => IN_FEATURES, OUT_FEATURES => HIDDEN,
      INPUT_BITS => INPUT_BITS, WEIGHT_BITS => W1_BITS, OUTPUT_BITS => HIDDEN_BITS,
      ACC_BITS => ACC1_BITS, INPUT_ZERO => INPUT_ZERO, WEIGHT_ZERO => W1_ZERO,
      OUTPUT_ZERO => HIDDEN_ZERO, OUTPUT_MIN => HIDDEN_MIN, OUTPUT_MAX => HIDDEN_MAX,
      MULTIPLIER => MULTIPLIER1, SHIFT => SHIFT1, RELU => RELU, WEIGHTS => W1, BIASES => B1,
      PAR => PAR, MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => done1, x_addr => x_addr,
      x_data => x_data, y_addr => h_w_addr, y_data => h_w_data, y_we => h_we
    );

  hidden_buffer : entity resq.resq_buffer
    generic map (DEPTH => ROWS, WIDTH => H_WIDTH_c, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => h_we, w_addr => h_w_addr, w_data => h_w_data,
              r_addr => h_r_addr, r_data => h_r_data);

  linear2 : entity resq.resq_projection
    generic map (
      ROWS => ROWS, IN_FEATURES => HIDDEN, OUT_FEATURES => OUT_FEATURES,
      INPUT_BITS => HIDDEN_BITS, WEIGHT_BITS => W2_BITS, OUTPUT_BITS => OUTPUT_BITS,
      ACC_BITS => ACC2_BITS, INPUT_ZERO => HIDDEN_ZERO, WEIGHT_ZERO => W2_ZERO,
      OUTPUT_ZERO => OUTPUT_ZERO, OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX,
      MULTIPLIER => MULTIPLIER2, SHIFT => SHIFT2, RELU => false, WEIGHTS => W2, BIASES => B2,
      PAR => PAR, MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => done1, done => done, x_addr => h_r_addr,
      x_data => h_r_data, y_addr => y_addr, y_data => y_data, y_we => y_we
    );

end architecture rtl;
