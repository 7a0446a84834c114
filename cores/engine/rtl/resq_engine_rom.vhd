-- resq_engine_rom: a read-only memory of the engine (weights, channels, tables) of DEPTH
-- words of WIDTH bits, initialised from INIT (word 0 in the low bits), read one cycle after
-- the address, with the storage STYLE of its memory (block, distributed, auto).
-- GHDL's Verilog output drops the ram_style attribute, and the Yosys estimate restores it
-- from the memory's name ("<style>_ram", as in resq_buffer_memory). GHDL names a constant
-- array anonymously, so the image lives in a memory signal with a write port that
-- resq_engine ties off (we = '0'): synthesis sees a named memory with an initial value and
-- maps it as a ROM of that style.
library ieee;
use ieee.std_logic_1164.all;

entity resq_engine_rom is
  generic (
    DEPTH : positive := 16;
    WIDTH : positive := 8;
    STYLE : string   := "block";
    INIT  : std_logic_vector
  );
  port (
    clk    : in  std_logic;
    we     : in  std_logic;
    w_addr : in  natural range 0 to DEPTH - 1;
    w_data : in  std_logic_vector(WIDTH - 1 downto 0);
    r_addr : in  natural range 0 to DEPTH - 1;
    r_data : out std_logic_vector(WIDTH - 1 downto 0)
  );
end entity resq_engine_rom;

architecture rtl of resq_engine_rom is

  type memory_t is array (0 to DEPTH - 1) of std_logic_vector(WIDTH - 1 downto 0);

  function unpacked(words : std_logic_vector) return memory_t is
    alias words_a : std_logic_vector(words'length - 1 downto 0) is words;
    variable memory_v : memory_t;
  begin
    for i in memory_t'range loop
      memory_v(i) := words_a((i + 1) * WIDTH - 1 downto i * WIDTH);
    end loop;
    return memory_v;
  end function;

  attribute ram_style : string;

begin

  assert INIT'length = DEPTH * WIDTH
    report "resq_engine_rom: INIT needs DEPTH * WIDTH bits" severity failure;
  assert STYLE = "block" or STYLE = "distributed" or STYLE = "auto"
    report "resq_engine_rom: STYLE must be block, distributed or auto" severity failure;

  block_style : if STYLE = "block" generate
    signal block_ram : memory_t := unpacked(INIT);
    attribute ram_style of block_ram : signal is "block";
  begin
    access_ports : process (clk)
    begin
      if rising_edge(clk) then
        if we = '1' then
          block_ram(w_addr) <= w_data;
        end if;
        r_data <= block_ram(r_addr);
      end if;
    end process access_ports;
  end generate block_style;

  distributed_style : if STYLE = "distributed" generate
    signal distributed_ram : memory_t := unpacked(INIT);
    attribute ram_style of distributed_ram : signal is "distributed";
  begin
    access_ports : process (clk)
    begin
      if rising_edge(clk) then
        if we = '1' then
          distributed_ram(w_addr) <= w_data;
        end if;
        r_data <= distributed_ram(r_addr);
      end if;
    end process access_ports;
  end generate distributed_style;

  auto_style : if STYLE = "auto" generate
    signal auto_ram : memory_t := unpacked(INIT);
  begin
    access_ports : process (clk)
    begin
      if rising_edge(clk) then
        if we = '1' then
          auto_ram(w_addr) <= w_data;
        end if;
        r_data <= auto_ram(r_addr);
      end if;
    end process access_ports;
  end generate auto_style;

end architecture rtl;
