-- demo_head: a user design that reuses resq:ip:linear. y = round((3*x0 - 2*x1 + 4) / 4),
-- saturated to int8: a one-row, two-input, one-output resq_linear with constant weights
-- (3, -2), bias 4 and requantization 16384 / 2^16 = 1/4.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;

entity demo_head is
  port (
    clk   : in  std_logic;
    rst   : in  std_logic;
    start : in  std_logic;
    x0    : in  signed(7 downto 0);
    x1    : in  signed(7 downto 0);
    y     : out signed(7 downto 0);
    done  : out std_logic
  );
end entity demo_head;

architecture rtl of demo_head is
  constant WEIGHTS_c : std_logic_vector(15 downto 0) :=
    std_logic_vector(to_signed(-2, 8)) & std_logic_vector(to_signed(3, 8));
  constant BIAS_c    : std_logic_vector(19 downto 0) := std_logic_vector(to_signed(4, 20));
  signal y_data : std_logic_vector(7 downto 0);
  signal y_we   : std_logic;
begin

  head : entity resq.resq_linear
    generic map (
      ROWS => 1, IN_FEATURES => 2, OUT_FEATURES => 1, INPUT_BITS => 8, WEIGHT_BITS => 8,
      OUTPUT_BITS => 8, ACC_BITS => 20, MULTIPLIER => 16384, SHIFT => 16, PAR => 2
    )
    port map (
      clk => clk, rst => rst, start => start, done => done,
      x_addr => open, x_data => std_logic_vector(x1) & std_logic_vector(x0),
      w_addr => open, w_data => WEIGHTS_c, b_addr => open, b_data => BIAS_c,
      y_addr => open, y_data => y_data, y_we => y_we
    );

  hold : process (clk)
  begin
    if rising_edge(clk) then
      if y_we = '1' then
        y <= signed(y_data);
      end if;
    end if;
  end process hold;

end architecture rtl;
