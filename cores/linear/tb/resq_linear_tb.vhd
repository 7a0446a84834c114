-- Self-checking testbench of resq_linear. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.spec.integer.intref.linear_int) holds: the number of samples; OUT_FEATURES lines of weights
-- w[o, 0..IN_FEATURES-1]; OUT_FEATURES lines of biases as ACC_BITS binary digits; then per
-- sample ROWS lines of inputs and ROWS lines of expected outputs. Memories are modelled with
-- one cycle of read latency. Every mismatching row is reported (as a warning, so that all
-- are listed); any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_linear_tb is
  generic (
    VECTORS      : string   := "vectors.txt";
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
    PAR          : positive := 1;
    MULT_STYLE   : string   := "dsp"
  );
end entity resq_linear_tb;

architecture sim of resq_linear_tb is

  -- The watchdog: more cycles than this upper bound on one run fail the test.
  constant WATCHDOG_c : positive := ROWS * OUT_FEATURES * (IN_FEATURES + 8) + 100;

  constant CHUNKS_c : positive := (IN_FEATURES + PAR - 1) / PAR;

  subtype x_word_t is std_logic_vector(IN_FEATURES * INPUT_BITS - 1 downto 0);
  subtype w_word_t is std_logic_vector(PAR * WEIGHT_BITS - 1 downto 0);
  subtype b_word_t is std_logic_vector(ACC_BITS - 1 downto 0);
  subtype y_word_t is std_logic_vector(OUT_FEATURES * OUTPUT_BITS - 1 downto 0);
  type x_mem_t is array (0 to ROWS - 1) of x_word_t;
  type w_mem_t is array (0 to OUT_FEATURES * CHUNKS_c - 1) of w_word_t;
  type b_mem_t is array (0 to OUT_FEATURES - 1) of b_word_t;
  type y_mem_t is array (0 to ROWS - 1) of y_word_t;

  signal clk    : std_logic := '0';
  signal rst    : std_logic := '1';
  signal start  : std_logic := '0';
  signal done   : std_logic;
  signal x_addr : natural range 0 to ROWS - 1;
  signal x_data : x_word_t;
  signal w_addr : natural range 0 to OUT_FEATURES * CHUNKS_c - 1;
  signal w_data : w_word_t;
  signal b_addr : natural range 0 to OUT_FEATURES - 1;
  signal b_data : b_word_t;
  signal y_addr : natural range 0 to ROWS - 1;
  signal y_data : y_word_t;
  signal y_we   : std_logic;
  signal x_mem  : x_mem_t;
  signal w_mem  : w_mem_t;
  signal b_mem  : b_mem_t;
  signal y_mem  : y_mem_t;
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_linear
    generic map (
      ROWS => ROWS, IN_FEATURES => IN_FEATURES, OUT_FEATURES => OUT_FEATURES,
      INPUT_BITS => INPUT_BITS, WEIGHT_BITS => WEIGHT_BITS, OUTPUT_BITS => OUTPUT_BITS,
      ACC_BITS => ACC_BITS, INPUT_ZERO => INPUT_ZERO, WEIGHT_ZERO => WEIGHT_ZERO,
      OUTPUT_ZERO => OUTPUT_ZERO, OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX,
      MULTIPLIER => MULTIPLIER, SHIFT => SHIFT, RELU => RELU, PAR => PAR,
      MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => done,
      x_addr => x_addr, x_data => x_data, w_addr => w_addr, w_data => w_data,
      b_addr => b_addr, b_data => b_data, y_addr => y_addr, y_data => y_data, y_we => y_we
    );

  memories : process (clk)
  begin
    if rising_edge(clk) then
      x_data <= x_mem(x_addr);
      w_data <= w_mem(w_addr);
      b_data <= b_mem(b_addr);
      if y_we = '1' then
        y_mem(y_addr) <= y_data;
      end if;
    end if;
  end process memories;

  check : process
    file vectors_f      : text;
    variable samples_v  : integer;
    variable row_v      : std_logic_vector(IN_FEATURES * WEIGHT_BITS - 1 downto 0);
    variable word_v     : w_word_t;
    variable bias_v     : b_word_t;
    variable x_v        : x_word_t;
    variable expected_v : y_mem_t;
    variable cycles_v   : natural;
    variable errors_v   : natural := 0;
    variable index_v    : natural;
  begin
    report "resq_linear_tb:" & generic_image("ROWS", ROWS)
      & generic_image("IN_FEATURES", IN_FEATURES) & generic_image("OUT_FEATURES", OUT_FEATURES)
      & generic_image("INPUT_BITS", INPUT_BITS) & generic_image("WEIGHT_BITS", WEIGHT_BITS)
      & generic_image("OUTPUT_BITS", OUTPUT_BITS) & generic_image("ACC_BITS", ACC_BITS)
      & generic_image("PAR", PAR) & " RELU=" & boolean'image(RELU)
      & " MULT_STYLE=" & MULT_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    for o in 0 to OUT_FEATURES - 1 loop
      read_elements(vectors_f, IN_FEATURES, WEIGHT_BITS, row_v);
      for c in 0 to CHUNKS_c - 1 loop
        for j in 0 to PAR - 1 loop
          index_v := c * PAR + j;
          if index_v < IN_FEATURES then
            word_v((j + 1) * WEIGHT_BITS - 1 downto j * WEIGHT_BITS)
              := row_v((index_v + 1) * WEIGHT_BITS - 1 downto index_v * WEIGHT_BITS);
          else
            word_v((j + 1) * WEIGHT_BITS - 1 downto j * WEIGHT_BITS)
              := std_logic_vector(to_signed(WEIGHT_ZERO, WEIGHT_BITS));
          end if;
        end loop;
        w_mem(o * CHUNKS_c + c) <= word_v;
      end loop;
    end loop;
    for o in 0 to OUT_FEATURES - 1 loop
      read_bits(vectors_f, bias_v);
      b_mem(o) <= bias_v;
    end loop;
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, IN_FEATURES, INPUT_BITS, x_v);
        x_mem(r) <= x_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, OUT_FEATURES, OUTPUT_BITS, expected_v(r));
      end loop;
      run_once("resq_linear_tb", WATCHDOG_c, clk, start, done, cycles_v);
      for r in 0 to ROWS - 1 loop
        check_row("resq_linear_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_linear_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
