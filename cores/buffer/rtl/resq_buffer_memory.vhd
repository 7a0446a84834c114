-- resq_buffer_memory: the memory of resq_buffer, with STYLE as its ram_style attribute. It is
-- a separate entity because VHDL names are case-insensitive: the generic RAM_STYLE of
-- resq_buffer would hide the attribute ram_style. Read latency one cycle. STYLE "auto" sets
-- no attribute and leaves the choice to synthesis.
library ieee;
use ieee.std_logic_1164.all;

entity resq_buffer_memory is
  generic (
    DEPTH : positive := 24;
    WIDTH : positive := 128;
    STYLE : string   := "auto"
  );
  port (
    clk    : in  std_logic;
    we     : in  std_logic;
    w_addr : in  natural range 0 to DEPTH - 1;
    w_data : in  std_logic_vector(WIDTH - 1 downto 0);
    r_addr : in  natural range 0 to DEPTH - 1;
    r_data : out std_logic_vector(WIDTH - 1 downto 0)
  );
end entity resq_buffer_memory;

architecture rtl of resq_buffer_memory is

  type memory_t is array (0 to DEPTH - 1) of std_logic_vector(WIDTH - 1 downto 0);

  attribute ram_style : string;

begin

  -- The memory's name carries its style ("<style>_ram"): GHDL's Verilog output drops the
  -- attribute, and the Yosys estimate restores it from the name.
  block_style : if STYLE = "block" generate
    signal block_ram : memory_t;
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
    signal distributed_ram : memory_t;
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
    signal auto_ram : memory_t;
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
