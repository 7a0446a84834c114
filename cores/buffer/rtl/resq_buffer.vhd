-- resq_buffer: a simple dual-port RAM of DEPTH words of WIDTH bits, the output buffer of a
-- layer (one tensor row per word). One write port; one read port that answers one cycle after
-- the address (synchronous read, so that "block" can map to RAMB18/RAMB36). RAM_STYLE is
-- passed to synthesis as the ram_style attribute: "block", "distributed" or "auto".
library ieee;
use ieee.std_logic_1164.all;

entity resq_buffer is
  generic (
    DEPTH     : positive := 24;
    WIDTH     : positive := 128;
    RAM_STYLE : string   := "auto"
  );
  port (
    clk    : in  std_logic;
    we     : in  std_logic;
    w_addr : in  natural range 0 to DEPTH - 1;
    w_data : in  std_logic_vector(WIDTH - 1 downto 0);
    r_addr : in  natural range 0 to DEPTH - 1;
    r_data : out std_logic_vector(WIDTH - 1 downto 0)
  );
end entity resq_buffer;

architecture rtl of resq_buffer is
begin

  assert RAM_STYLE = "block" or RAM_STYLE = "distributed" or RAM_STYLE = "auto"
    report "resq_buffer: RAM_STYLE must be ""block"", ""distributed"" or ""auto"", got """
      & RAM_STYLE & """"
    severity failure;

  memory : entity work.resq_buffer_memory
    generic map (DEPTH => DEPTH, WIDTH => WIDTH, STYLE => RAM_STYLE)
    port map (clk => clk, we => we, w_addr => w_addr, w_data => w_data, r_addr => r_addr,
              r_data => r_data);

end architecture rtl;
