-- resq_engine_tb: self-checking testbench of resq_engine. The engine is built from
-- resq_engine_tb_pkg (the generics, program and ROM images of a small calibrated model,
-- written by tests/engine/make_core_vectors.py with resq.hdlgen.engine); VECTORS holds the
-- number of windows, then per window its input rows and the expected output row from the
-- integer reference. Reports every mismatch, the cycles per inference and
-- "bit_exact=<matches>/<total>"; any mismatch fails the run, and so does a window that
-- takes more than MAX_CYCLES cycles (the watchdog).
library ieee;
use ieee.std_logic_1164.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;
use resq.resq_engine_tb_pkg.all;

entity resq_engine_tb is
  generic (
    VECTORS    : string   := "vectors.txt";
    MAX_CYCLES : positive := 100000
  );
end entity resq_engine_tb;

architecture sim of resq_engine_tb is

  constant X_WORD_c : positive := X_FEATURES_c * X_BITS_c;
  constant Y_WORD_c : positive := Y_COUNT_c * Y_BITS_c;

  signal clk     : std_logic := '0';
  signal rst     : std_logic := '1';
  signal start   : std_logic := '0';
  signal done    : std_logic;
  signal x_we    : std_logic := '0';
  signal x_addr  : natural range 0 to X_ROWS_c - 1 := 0;
  signal x_data  : std_logic_vector(X_WORD_c - 1 downto 0) := (others => '0');
  signal y_data  : std_logic_vector(Y_WORD_c - 1 downto 0);
  signal stage   : natural range 0 to STAGES_c;
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_engine
    generic map (
      LANES => LANES_c, A_WIDTH => A_WIDTH_c, B_WIDTH => B_WIDTH_c, ACC_BITS => ACC_BITS_c,
      DATA_BITS => DATA_BITS_c, T_BITS => T_BITS_c, ADD_BITS => ADD_BITS_c,
      BN_BITS => BN_BITS_c, BNA_BITS => BNA_BITS_c, IDX_BITS => IDX_BITS_c, MAX_K => MAX_K_c,
      MAX_LEN => MAX_LEN_c, PROB_BITS => PROB_BITS_c, FRAC_BITS => FRAC_BITS_c,
      EXP_BITS => EXP_BITS_c, EXP2_TABLE => EXP2_TABLE_c, DEPTH => DEPTH_c,
      MEM_STYLE => MEM_STYLE_c, LANE_STYLE => LANE_STYLE_c, MULT_STYLE => MULT_STYLE_c,
      SHIFT_MIN => SHIFT_MIN_c, SHIFT_BITS => SHIFT_BITS_c, ADD_SHIFT_MIN => ADD_SHIFT_MIN_c,
      ADD_SHIFT_BITS => ADD_SHIFT_BITS_c, BN_SHIFT_MIN => BN_SHIFT_MIN_c,
      BN_SHIFT_BITS => BN_SHIFT_BITS_c, ROM_STYLE => ROM_STYLE_c, PROGRAM => PROGRAM_c,
      STAGES => STAGES_c, WEIGHT_DEPTH => WEIGHT_DEPTH_c, WEIGHTS => WEIGHTS_c,
      CHANNEL_DEPTH => CHANNEL_DEPTH_c, CHANNELS => CHANNELS_c, TABLE_DEPTH => TABLE_DEPTH_c,
      TABLES => TABLES_c, X_ROWS => X_ROWS_c, X_FEATURES => X_FEATURES_c, X_BITS => X_BITS_c,
      X_SIGNED => X_SIGNED_c, Y_COUNT => Y_COUNT_c, Y_BITS => Y_BITS_c
    )
    port map (clk => clk, rst => rst, start => start, done => done, x_we => x_we,
              x_addr => x_addr, x_data => x_data, y_data => y_data, stage => stage);

  check : process
    file vectors_f      : text;
    variable samples_v  : integer;
    variable row_v      : std_logic_vector(X_WORD_c - 1 downto 0);
    variable expected_v : std_logic_vector(Y_WORD_c - 1 downto 0);
    variable cycles_v   : natural := 0;
    variable errors_v   : natural := 0;
  begin
    report "resq_engine_tb: VECTORS=" & VECTORS & generic_image("MAX_CYCLES", MAX_CYCLES)
      & generic_image("LANES", LANES_c) & generic_image("OPS", PROGRAM_c'length);
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    wait until rising_edge(clk);
    rst <= '0';
    for sample in 0 to samples_v - 1 loop
      for r in 0 to X_ROWS_c - 1 loop
        read_elements(vectors_f, X_FEATURES_c, X_BITS_c, row_v);
        x_we   <= '1';
        x_addr <= r;
        x_data <= row_v;
        wait until rising_edge(clk);
      end loop;
      x_we <= '0';
      read_elements(vectors_f, Y_COUNT_c, Y_BITS_c, expected_v);
      start <= '1';
      wait until rising_edge(clk);
      start    <= '0';
      cycles_v := 1;
      while done /= '1' loop
        wait until rising_edge(clk);
        cycles_v := cycles_v + 1;
        assert cycles_v <= MAX_CYCLES
          report "resq_engine_tb: watchdog: window " & integer'image(sample)
            & " did not finish within MAX_CYCLES=" & integer'image(MAX_CYCLES)
            & " cycles (node " & integer'image(stage) & " running)"
          severity failure;
      end loop;
      wait until rising_edge(clk);
      wait until falling_edge(clk);
      check_row("resq_engine_tb", sample, 0, y_data, expected_v, errors_v);
    end loop;
    file_close(vectors_f);
    report "resq_engine_tb: bit_exact=" & integer'image(samples_v - errors_v) & "/"
      & integer'image(samples_v);
    finish_check("resq_engine_tb", VECTORS, samples_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
