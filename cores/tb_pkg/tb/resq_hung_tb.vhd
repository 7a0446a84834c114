-- resq_hung_tb: a design that never finishes, run the way every IP testbench runs its IP
-- (run_once). It must fail within the watchdog's LIMIT cycles with a message naming it;
-- tests/cores/test_ips.py checks that it does.
library ieee;
use ieee.std_logic_1164.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_hung_tb is
  generic (LIMIT : positive := 50);
end entity resq_hung_tb;

architecture sim of resq_hung_tb is

  signal clk   : std_logic := '0';
  signal start : std_logic := '0';
  signal done  : std_logic := '0';  -- the hung design: done never rises

begin

  clk <= not clk after 5 ns;

  check : process
    variable cycles_v : natural;
  begin
    run_once("resq_hung_tb", LIMIT, clk, start, done, cycles_v);
    report "resq_hung_tb: the watchdog did not fire" severity failure;
    wait;
  end process check;

end architecture sim;
