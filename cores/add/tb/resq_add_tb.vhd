-- Self-checking testbench of resq_add. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.spec.integer.intref.add_int) holds the number of samples, then per sample ROWS lines of a,
-- ROWS lines of b and ROWS lines of expected outputs. Memories answer one cycle after the
-- address. Every mismatching row is reported; any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_add_tb is
  generic (
    VECTORS      : string   := "vectors.txt";
    ROWS         : positive := 24;
    FEATURES     : positive := 16;
    A_BITS       : positive := 8;
    B_BITS       : positive := 8;
    OUTPUT_BITS  : positive := 8;
    ACC_BITS     : positive := 26;
    A_ZERO       : integer  := 0;
    B_ZERO       : integer  := 0;
    OUTPUT_ZERO  : integer  := 0;
    OUTPUT_MIN   : integer  := -127;
    OUTPUT_MAX   : integer  := 127;
    A_MULTIPLIER : natural  := 16384;
    B_MULTIPLIER : natural  := 16384;
    SHIFT        : positive := 15;
    PAR          : positive := 1;
    MULT_STYLE   : string   := "dsp"
  );
end entity resq_add_tb;

architecture sim of resq_add_tb is

  -- The watchdog: more cycles than this upper bound on one run fail the test.
  constant WATCHDOG_c : positive := ROWS * (FEATURES + 8) + 100;

  subtype a_word_t is std_logic_vector(FEATURES * A_BITS - 1 downto 0);
  subtype b_word_t is std_logic_vector(FEATURES * B_BITS - 1 downto 0);
  subtype y_word_t is std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
  type a_mem_t is array (0 to ROWS - 1) of a_word_t;
  type b_mem_t is array (0 to ROWS - 1) of b_word_t;
  type y_mem_t is array (0 to ROWS - 1) of y_word_t;

  signal clk     : std_logic := '0';
  signal rst     : std_logic := '1';
  signal start   : std_logic := '0';
  signal done    : std_logic;
  signal a_addr  : natural range 0 to ROWS - 1;
  signal a_data  : a_word_t;
  signal b_addr  : natural range 0 to ROWS - 1;
  signal b_data  : b_word_t;
  signal y_addr  : natural range 0 to ROWS - 1;
  signal y_data  : y_word_t;
  signal y_we    : std_logic;
  signal a_mem   : a_mem_t;
  signal b_mem   : b_mem_t;
  signal y_mem   : y_mem_t;
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_add
    generic map (
      ROWS => ROWS, FEATURES => FEATURES, A_BITS => A_BITS, B_BITS => B_BITS,
      OUTPUT_BITS => OUTPUT_BITS, ACC_BITS => ACC_BITS, A_ZERO => A_ZERO, B_ZERO => B_ZERO,
      OUTPUT_ZERO => OUTPUT_ZERO, OUTPUT_MIN => OUTPUT_MIN, OUTPUT_MAX => OUTPUT_MAX,
      A_MULTIPLIER => A_MULTIPLIER, B_MULTIPLIER => B_MULTIPLIER, SHIFT => SHIFT, PAR => PAR,
      MULT_STYLE => MULT_STYLE
    )
    port map (
      clk => clk, rst => rst, start => start, done => done, a_addr => a_addr,
      a_data => a_data, b_addr => b_addr, b_data => b_data, y_addr => y_addr,
      y_data => y_data, y_we => y_we
    );

  memories : process (clk)
  begin
    if rising_edge(clk) then
      a_data <= a_mem(a_addr);
      b_data <= b_mem(b_addr);
      if y_we = '1' then
        y_mem(y_addr) <= y_data;
      end if;
    end if;
  end process memories;

  check : process
    file vectors_f      : text;
    variable samples_v  : integer;
    variable a_v        : a_word_t;
    variable b_v        : b_word_t;
    variable expected_v : y_mem_t;
    variable cycles_v   : natural;
    variable errors_v   : natural := 0;
  begin
    report "resq_add_tb:" & generic_image("ROWS", ROWS) & generic_image("FEATURES", FEATURES)
      & generic_image("A_BITS", A_BITS) & generic_image("B_BITS", B_BITS)
      & generic_image("OUTPUT_BITS", OUTPUT_BITS) & generic_image("ACC_BITS", ACC_BITS)
      & generic_image("PAR", PAR) & " MULT_STYLE=" & MULT_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, A_BITS, a_v);
        a_mem(r) <= a_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, B_BITS, b_v);
        b_mem(r) <= b_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, OUTPUT_BITS, expected_v(r));
      end loop;
      run_once("resq_add_tb", WATCHDOG_c, clk, start, done, cycles_v);
      for r in 0 to ROWS - 1 loop
        check_row("resq_add_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_add_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
