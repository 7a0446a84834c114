-- Self-checking testbench of resq_softmax. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.spec.integer.softmax.softmax_int) holds the number of samples, then per sample ROWS lines of
-- score accumulators and ROWS lines of expected probabilities. Memories answer one cycle
-- after the address. Every mismatching row is reported; any mismatch fails the run.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_softmax_tb is
  generic (
    VECTORS    : string   := "vectors.txt";
    ROWS       : positive := 24;
    COLS       : positive := 24;
    ACC_BITS   : positive := 21;
    MULTIPLIER : natural  := 16384;
    SHIFT      : positive := 20;
    PROB_BITS  : positive := 8;
    FRAC_BITS  : positive := 6;
    EXP_BITS   : positive := 15;
    EXP2_TABLE : std_logic_vector;
    MULT_STYLE : string   := "dsp"
  );
end entity resq_softmax_tb;

architecture sim of resq_softmax_tb is

  subtype x_word_t is std_logic_vector(COLS * ACC_BITS - 1 downto 0);
  subtype y_word_t is std_logic_vector(COLS * (PROB_BITS + 1) - 1 downto 0);
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

  dut : entity resq.resq_softmax
    generic map (
      ROWS => ROWS, COLS => COLS, ACC_BITS => ACC_BITS, MULTIPLIER => MULTIPLIER,
      SHIFT => SHIFT, PROB_BITS => PROB_BITS, FRAC_BITS => FRAC_BITS, EXP_BITS => EXP_BITS,
      EXP2_TABLE => EXP2_TABLE, MULT_STYLE => MULT_STYLE
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
    report "resq_softmax_tb:" & generic_image("ROWS", ROWS) & generic_image("COLS", COLS)
      & generic_image("ACC_BITS", ACC_BITS) & generic_image("PROB_BITS", PROB_BITS)
      & " MULT_STYLE=" & MULT_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, COLS, ACC_BITS, x_v);
        x_mem(r) <= x_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, COLS, PROB_BITS + 1, expected_v(r));
      end loop;
      run_once(clk, start, done, cycles_v);
      for r in 0 to ROWS - 1 loop
        check_row("resq_softmax_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_softmax_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
