-- resq_rom: a read-only memory of DEPTH words of WIDTH bits (weights, biases, constant
-- tables), initialised from INIT (DEPTH * WIDTH bits, word 0 in the low bits). The read port
-- answers one cycle after the address, like resq_buffer, so synthesis may use block RAM.
library ieee;
use ieee.std_logic_1164.all;

entity resq_rom is
  generic (
    DEPTH : positive := 16;
    WIDTH : positive := 8;
    INIT  : std_logic_vector
  );
  port (
    clk    : in  std_logic;
    r_addr : in  natural range 0 to DEPTH - 1;
    r_data : out std_logic_vector(WIDTH - 1 downto 0)
  );
end entity resq_rom;

architecture rtl of resq_rom is

  type rom_t is array (0 to DEPTH - 1) of std_logic_vector(WIDTH - 1 downto 0);

  function unpacked(words : std_logic_vector) return rom_t is
    alias words_a : std_logic_vector(words'length - 1 downto 0) is words;
    variable rom_v : rom_t;
  begin
    for i in rom_t'range loop
      rom_v(i) := words_a((i + 1) * WIDTH - 1 downto i * WIDTH);
    end loop;
    return rom_v;
  end function;

  constant ROM_c : rom_t := unpacked(INIT);

begin

  assert INIT'length = DEPTH * WIDTH
    report "resq_rom: INIT needs DEPTH * WIDTH bits" severity failure;

  read : process (clk)
  begin
    if rising_edge(clk) then
      r_data <= ROM_c(r_addr);
    end if;
  end process read;

end architecture rtl;
