-- resq_divider: pipelined restoring division, quotient = floor(dividend / divisor), one
-- division accepted per cycle, the quotient valid QUOTIENT_BITS + 1 cycles after in_valid
-- (one register for the operands, one per quotient bit). The quotient must fit
-- QUOTIENT_BITS (dividend < divisor * 2^QUOTIENT_BITS) and divisor must stay unchanged
-- while divisions are in flight: the softmax divides a whole row by one sum.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity resq_divider is
  generic (
    DIVIDEND_BITS : positive := 26;
    DIVISOR_BITS  : positive := 21;
    QUOTIENT_BITS : positive := 9
  );
  port (
    clk       : in  std_logic;
    in_valid  : in  std_logic;
    dividend  : in  unsigned(DIVIDEND_BITS - 1 downto 0);
    divisor   : in  unsigned(DIVISOR_BITS - 1 downto 0);
    out_valid : out std_logic;
    quotient  : out unsigned(QUOTIENT_BITS - 1 downto 0)
  );
end entity resq_divider;

architecture rtl of resq_divider is

  constant REM_BITS_c : positive := maximum(DIVIDEND_BITS, DIVISOR_BITS + QUOTIENT_BITS);

  type rem_array_t is array (0 to QUOTIENT_BITS) of unsigned(REM_BITS_c - 1 downto 0);
  type quo_array_t is array (0 to QUOTIENT_BITS) of unsigned(QUOTIENT_BITS - 1 downto 0);

  -- Stage s holds the remainder and the quotient bits decided so far.
  signal valid_r : std_logic_vector(0 to QUOTIENT_BITS) := (others => '0');
  signal rem_r   : rem_array_t := (others => (others => '0'));
  signal quo_r   : quo_array_t := (others => (others => '0'));

begin

  out_valid <= valid_r(QUOTIENT_BITS);
  quotient  <= quo_r(QUOTIENT_BITS);

  stages : process (clk)
    variable shifted_v : unsigned(REM_BITS_c - 1 downto 0);
  begin
    if rising_edge(clk) then
      valid_r(0) <= in_valid;
      rem_r(0)   <= resize(dividend, REM_BITS_c);
      quo_r(0)   <= (others => '0');
      -- Stage s decides quotient bit QUOTIENT_BITS - s.
      for s in QUOTIENT_BITS downto 1 loop
        valid_r(s) <= valid_r(s - 1);
        shifted_v  := shift_left(resize(divisor, REM_BITS_c), QUOTIENT_BITS - s);
        if rem_r(s - 1) >= shifted_v then
          rem_r(s) <= rem_r(s - 1) - shifted_v;
          quo_r(s) <= quo_r(s - 1) or shift_left(to_unsigned(1, QUOTIENT_BITS), QUOTIENT_BITS - s);
        else
          rem_r(s) <= rem_r(s - 1);
          quo_r(s) <= quo_r(s - 1);
        end if;
      end loop;
    end if;
  end process stages;

end architecture rtl;
