-- resq_projection: a resq_linear with its weights and biases in resq_rom, the building block
-- of the composites (ffn, mha). WEIGHTS holds resq_linear's weight memory (word
-- o * ceil(IN_FEATURES / PAR) + c holds w[o, c * PAR + j] for j < PAR, padding = WEIGHT_ZERO,
-- element 0 in the low bits; resq.hdlgen.ipvectors.linear_weight_words), BIASES one ACC_BITS
-- word per output. Ports, timing and arithmetic are resq_linear's.
library ieee;
use ieee.std_logic_1164.all;

library resq;

entity resq_projection is
  generic (
    ROWS         : positive := 24;
    IN_FEATURES  : positive := 16;
    OUT_FEATURES : positive := 16;
    INPUT_BITS   : positive := 8;
    WEIGHT_BITS  : positive := 8;
    OUTPUT_BITS  : positive := 8;
    ACC_BITS     : positive := 24;
    INPUT_ZERO   : integer  := 0;
    WEIGHT_ZERO  : integer  := 0;
    OUTPUT_ZERO  : integer  := 0;
    OUTPUT_MIN   : integer  := -127;
    OUTPUT_MAX   : integer  := 127;
    MULTIPLIER   : natural  := 16384;
    SHIFT        : positive := 20;
    RELU         : boolean  := false;
    WEIGHTS      : std_logic_vector;
    BIASES       : std_logic_vector;
    PAR          : positive := 1;
    MULT_STYLE   : string   := "dsp"
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
end entity resq_projection;

architecture rtl of resq_projection is

  constant CHUNKS_c : positive := (IN_FEATURES + PAR - 1) / PAR;

  signal w_addr : natural range 0 to OUT_FEATURES * CHUNKS_c - 1;
  signal w_data : std_logic_vector(PAR * WEIGHT_BITS - 1 downto 0);
  signal b_addr : natural range 0 to OUT_FEATURES - 1;
  signal b_data : std_logic_vector(ACC_BITS - 1 downto 0);

begin

  weight_rom : entity resq.resq_rom
    generic map (DEPTH => OUT_FEATURES * CHUNKS_c, WIDTH => PAR * WEIGHT_BITS, INIT => WEIGHTS)
    port map (clk => clk, r_addr => w_addr, r_data => w_data);

  bias_rom : entity resq.resq_rom
    generic map (DEPTH => OUT_FEATURES, WIDTH => ACC_BITS, INIT => BIASES)
    port map (clk => clk, r_addr => b_addr, r_data => b_data);

  linear : entity resq.resq_linear
    generic map (
      ROWS => ROWS, IN_FEATURES => IN_FEATURES, OUT_FEATURES => OUT_FEATURES,
      INPUT_BITS => INPUT_BITS, WEIGHT_BITS => WEIGHT_BITS, OUTPUT_BITS => OUTPUT_BITS,
      ACC_BITS => ACC_BITS, INPUT_ZERO => INPUT_ZERO, WEIGHT_ZERO => WEIGHT_ZERO,
      OUTPUT_ZERO => OUTPUT_ZERO, OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX,
      MULTIPLIER => MULTIPLIER, SHIFT => SHIFT, RELU => RELU, PAR => PAR,
      MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => done, x_addr => x_addr,
      x_data => x_data, w_addr => w_addr, w_data => w_data, b_addr => b_addr,
      b_data => b_data, y_addr => y_addr, y_data => y_data, y_we => y_we
    );

end architecture rtl;
