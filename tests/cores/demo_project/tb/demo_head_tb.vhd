-- demo_head_tb: two hand-computed cases of demo_head, self-checking.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library std;
use std.env.all;

entity demo_head_tb is
end entity demo_head_tb;

architecture sim of demo_head_tb is
  signal clk   : std_logic := '0';
  signal rst   : std_logic := '1';
  signal start : std_logic := '0';
  signal done  : std_logic;
  signal x0    : signed(7 downto 0) := (others => '0');
  signal x1    : signed(7 downto 0) := (others => '0');
  signal y     : signed(7 downto 0);
begin

  clk <= not clk after 5 ns;

  dut : entity work.demo_head
    port map (clk => clk, rst => rst, start => start, x0 => x0, x1 => x1, y => y, done => done);

  check : process
    procedure expect(a, b, want : integer) is
    begin
      x0 <= to_signed(a, 8);
      x1 <= to_signed(b, 8);
      wait until rising_edge(clk);
      start <= '1';
      wait until rising_edge(clk);
      start <= '0';
      wait until rising_edge(clk) and done = '1';
      wait until rising_edge(clk);
      assert to_integer(y) = want
        report "demo_head(" & integer'image(a) & ", " & integer'image(b) & ") = "
               & integer'image(to_integer(y)) & ", expected " & integer'image(want)
        severity failure;
    end procedure expect;
  begin
    wait until rising_edge(clk);
    rst <= '0';
    expect(10, 3, 7);    -- (30 - 6 + 4) / 4
    expect(-8, 6, -8);   -- (-24 - 12 + 4) / 4
    report "demo_head_tb: passed";
    finish;
  end process check;

end architecture sim;
