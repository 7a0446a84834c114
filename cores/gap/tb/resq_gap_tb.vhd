-- Self-checking testbench of resq_gap. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.spec.integer.intref.mean_int) holds the number of samples, then per sample ROWS lines of
-- inputs and one line of expected outputs. Memories answer one cycle after the
-- address. Every mismatching row is reported; any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_gap_tb is
  generic (
    VECTORS      : string   := "vectors.txt";
    ROWS         : positive := 24;
    FEATURES     : positive := 16;
    INPUT_BITS   : positive := 8;
    OUTPUT_BITS  : positive := 8;
    ACC_BITS     : positive := 15;
    INPUT_ZERO   : integer  := 0;
    OUTPUT_ZERO  : integer  := 0;
    OUTPUT_MIN   : integer  := -127;
    OUTPUT_MAX   : integer  := 127;
    MULTIPLIER   : natural  := 16384;
    SHIFT        : positive := 20;
    PAR          : positive := 1;
    MULT_STYLE   : string   := "dsp"
  );
end entity resq_gap_tb;

architecture sim of resq_gap_tb is

  -- The watchdog: more cycles than this upper bound on one run fail the test.
  constant WATCHDOG_c : positive := (ROWS + 1) * (FEATURES + 8) + 100;

  subtype x_word_t is std_logic_vector(FEATURES * INPUT_BITS - 1 downto 0);
  subtype y_word_t is std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
  type x_mem_t is array (0 to ROWS - 1) of x_word_t;

  signal clk     : std_logic := '0';
  signal rst     : std_logic := '1';
  signal start   : std_logic := '0';
  signal done    : std_logic;
  signal x_addr  : natural range 0 to ROWS - 1;
  signal x_data  : x_word_t;
  signal y_data  : y_word_t;
  signal y_we    : std_logic;
  signal x_mem   : x_mem_t;
  signal y_reg   : y_word_t;
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_gap
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, INPUT_BITS => INPUT_BITS, OUTPUT_BITS => OUTPUT_BITS,
      ACC_BITS => ACC_BITS, INPUT_ZERO => INPUT_ZERO, OUTPUT_ZERO => OUTPUT_ZERO,
      OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX, MULTIPLIER => MULTIPLIER,
      SHIFT => SHIFT, PAR => PAR, MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => done, x_addr => x_addr,
      x_data => x_data, y_data => y_data, y_we => y_we
    );

  memories : process (clk)
  begin
    if rising_edge(clk) then
      x_data <= x_mem(x_addr);
      if y_we = '1' then
        y_reg <= y_data;
      end if;
    end if;
  end process memories;

  check : process
    file vectors_f      : text;
    variable samples_v  : integer;
    variable x_v        : x_word_t;
    variable expected_v : y_word_t;
    variable cycles_v   : natural;
    variable errors_v   : natural := 0;
  begin
    report "resq_gap_tb:" & generic_image("ROWS", ROWS) & generic_image("FEATURES", FEATURES)
      & generic_image("INPUT_BITS", INPUT_BITS)
      & generic_image("OUTPUT_BITS", OUTPUT_BITS) & generic_image("ACC_BITS", ACC_BITS)
      & generic_image("PAR", PAR) & " MULT_STYLE=" & MULT_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, INPUT_BITS, x_v);
        x_mem(r) <= x_v;
      end loop;
      read_elements(vectors_f, FEATURES, OUTPUT_BITS, expected_v);
      run_once("resq_gap_tb", WATCHDOG_c, clk, start, done, cycles_v);
      check_row("resq_gap_tb", sample, 0, y_reg, expected_v, errors_v);
    end loop;
    file_close(vectors_f);
    finish_check("resq_gap_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
