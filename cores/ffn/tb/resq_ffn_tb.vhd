-- Self-checking testbench of resq_ffn. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.qat.intref.linear_int, twice) holds the number of samples, then per sample ROWS lines
-- of inputs and ROWS lines of expected outputs; the weights and biases arrive as the W1, B1,
-- W2, B2 generics. Memories answer one cycle after the address. Every mismatching row is
-- reported; any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_ffn_tb is
  generic (
    VECTORS      : string   := "vectors.txt";
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
end entity resq_ffn_tb;

architecture sim of resq_ffn_tb is

  subtype x_word_t is std_logic_vector(IN_FEATURES * INPUT_BITS - 1 downto 0);
  subtype y_word_t is std_logic_vector(OUT_FEATURES * OUTPUT_BITS - 1 downto 0);
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

  dut : entity resq.resq_ffn
    generic map (
      ROWS => ROWS, IN_FEATURES => IN_FEATURES, HIDDEN => HIDDEN,
      OUT_FEATURES => OUT_FEATURES, INPUT_BITS => INPUT_BITS, INPUT_ZERO => INPUT_ZERO,
      W1_BITS => W1_BITS, W1_ZERO => W1_ZERO, ACC1_BITS => ACC1_BITS,
      HIDDEN_BITS => HIDDEN_BITS, HIDDEN_ZERO => HIDDEN_ZERO, HIDDEN_MIN => HIDDEN_MIN,
      HIDDEN_MAX => HIDDEN_MAX, MULTIPLIER1 => MULTIPLIER1, SHIFT1 => SHIFT1, RELU => RELU,
      W1 => W1, B1 => B1, W2_BITS => W2_BITS, W2_ZERO => W2_ZERO, ACC2_BITS => ACC2_BITS,
      OUTPUT_BITS => OUTPUT_BITS, OUTPUT_ZERO => OUTPUT_ZERO, OUTPUT_MIN => OUTPUT_MIN,
      OUTPUT_MAX => OUTPUT_MAX, MULTIPLIER2 => MULTIPLIER2, SHIFT2 => SHIFT2, W2 => W2,
      B2 => B2, PAR => PAR, MULT_STYLE => MULT_STYLE, RAM_STYLE => RAM_STYLE
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
    report "resq_ffn_tb:" & generic_image("ROWS", ROWS)
      & generic_image("IN_FEATURES", IN_FEATURES) & generic_image("HIDDEN", HIDDEN)
      & generic_image("OUT_FEATURES", OUT_FEATURES) & generic_image("INPUT_BITS", INPUT_BITS)
      & generic_image("W1_BITS", W1_BITS) & generic_image("HIDDEN_BITS", HIDDEN_BITS)
      & generic_image("W2_BITS", W2_BITS) & generic_image("OUTPUT_BITS", OUTPUT_BITS)
      & " RELU=" & boolean'image(RELU) & generic_image("PAR", PAR) & " MULT_STYLE="
      & MULT_STYLE & " RAM_STYLE=" & RAM_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
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
      run_once(clk, start, done, cycles_v);
      for r in 0 to ROWS - 1 loop
        check_row("resq_ffn_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_ffn_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
