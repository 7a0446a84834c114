-- Self-checking testbench of resq_buffer: fills every word with a pattern derived from its
-- address, reads all back in reverse order with one cycle of latency, and checks a read
-- during a write returns the old word. Prints the generics and the cycles it took.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;

entity resq_buffer_tb is
  generic (
    DEPTH     : positive := 24;
    WIDTH     : positive := 128;
    RAM_STYLE : string   := "auto"
  );
end entity resq_buffer_tb;

architecture sim of resq_buffer_tb is

  signal clk     : std_logic := '0';
  signal we      : std_logic := '0';
  signal w_addr  : natural range 0 to DEPTH - 1 := 0;
  signal w_data  : std_logic_vector(WIDTH - 1 downto 0) := (others => '0');
  signal r_addr  : natural range 0 to DEPTH - 1 := 0;
  signal r_data  : std_logic_vector(WIDTH - 1 downto 0);
  signal running : boolean := true;

  function pattern(address : natural; salt : natural) return std_logic_vector is
    variable word_v : std_logic_vector(WIDTH - 1 downto 0);
  begin
    for i in 0 to WIDTH - 1 loop
      word_v(i) := '1' when ((address + 1) * (i + 3) + salt) mod 7 < 3 else '0';
    end loop;
    return word_v;
  end function;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_buffer
    generic map (DEPTH => DEPTH, WIDTH => WIDTH, RAM_STYLE => RAM_STYLE)
    port map (clk => clk, we => we, w_addr => w_addr, w_data => w_data, r_addr => r_addr,
              r_data => r_data);

  check : process
    variable errors_v : natural := 0;
    variable cycles_v : natural := 0;
  begin
    report "resq_buffer_tb: DEPTH=" & integer'image(DEPTH) & " WIDTH=" & integer'image(WIDTH)
      & " RAM_STYLE=" & RAM_STYLE;
    for a in 0 to DEPTH - 1 loop
      we     <= '1';
      w_addr <= a;
      w_data <= pattern(a, 0);
      wait until rising_edge(clk);
      cycles_v := cycles_v + 1;
    end loop;
    we <= '0';
    for a in DEPTH - 1 downto 0 loop
      r_addr <= a;
      wait until rising_edge(clk);
      wait for 1 ns;
      cycles_v := cycles_v + 1;
      if r_data /= pattern(a, 0) then
        errors_v := errors_v + 1;
        report "resq_buffer_tb: MISMATCH at address " & integer'image(a) severity warning;
      end if;
    end loop;
    we     <= '1';
    w_addr <= 0;
    w_data <= pattern(0, 1);
    r_addr <= 0;
    wait until rising_edge(clk);
    wait for 1 ns;
    we <= '0';
    if r_data /= pattern(0, 0) then
      errors_v := errors_v + 1;
      report "resq_buffer_tb: MISMATCH read during write is not the old word" severity warning;
    end if;
    wait until rising_edge(clk);
    wait for 1 ns;
    if r_data /= pattern(0, 1) then
      errors_v := errors_v + 1;
      report "resq_buffer_tb: MISMATCH the written word did not arrive" severity warning;
    end if;
    report "resq_buffer_tb: cycles=" & integer'image(cycles_v + 2) & " mismatches="
      & integer'image(errors_v);
    assert errors_v = 0 report "resq_buffer_tb: FAILED" severity failure;
    report "resq_buffer_tb: PASSED";
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
