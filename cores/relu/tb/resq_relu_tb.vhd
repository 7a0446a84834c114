-- Self-checking testbench of resq_relu. VECTORS (written by resq.hdlgen.ipvectors from
-- resq.spec.integer.intref.relu_int) holds the number of samples, then per sample ROWS lines of
-- inputs and ROWS lines of expected outputs. Memories answer one cycle after the address.
-- Every mismatching row is reported; any mismatch fails the run at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_relu_tb is
  generic (
    VECTORS  : string   := "vectors.txt";
    ROWS     : positive := 24;
    FEATURES : positive := 16;
    BITS     : positive := 8;
    ZERO     : integer  := 0
  );
end entity resq_relu_tb;

architecture sim of resq_relu_tb is

  -- The watchdog: more cycles than this upper bound on one run fail the test.
  constant WATCHDOG_c : positive := ROWS * 8 + 100;

  subtype word_t is std_logic_vector(FEATURES * BITS - 1 downto 0);
  type mem_t is array (0 to ROWS - 1) of word_t;

  signal clk     : std_logic := '0';
  signal rst     : std_logic := '1';
  signal start   : std_logic := '0';
  signal done    : std_logic;
  signal x_addr  : natural range 0 to ROWS - 1;
  signal x_data  : word_t;
  signal y_addr  : natural range 0 to ROWS - 1;
  signal y_data  : word_t;
  signal y_we    : std_logic;
  signal x_mem   : mem_t;
  signal y_mem   : mem_t;
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_relu
    generic map (ROWS => ROWS, FEATURES => FEATURES, BITS => BITS, ZERO => ZERO)
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
    variable x_v        : word_t;
    variable expected_v : mem_t;
    variable cycles_v   : natural;
    variable errors_v   : natural := 0;
  begin
    report "resq_relu_tb:" & generic_image("ROWS", ROWS) & generic_image("FEATURES", FEATURES)
      & generic_image("BITS", BITS) & generic_image("ZERO", ZERO) & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, BITS, x_v);
        x_mem(r) <= x_v;
      end loop;
      for r in 0 to ROWS - 1 loop
        read_elements(vectors_f, FEATURES, BITS, expected_v(r));
      end loop;
      run_once("resq_relu_tb", WATCHDOG_c, clk, start, done, cycles_v);
      for r in 0 to ROWS - 1 loop
        check_row("resq_relu_tb", sample, r, y_mem(r), expected_v(r), errors_v);
      end loop;
    end loop;
    file_close(vectors_f);
    finish_check("resq_relu_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
