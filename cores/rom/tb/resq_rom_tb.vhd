-- Self-checking testbench of resq_rom. VECTORS (written by resq.hdlgen.ipvectors) holds the
-- number of samples (1) and the DEPTH expected words, one binary word per line; INIT holds
-- the same words packed. Every address is read through the one-cycle read port.
library ieee;
use ieee.std_logic_1164.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_rom_tb is
  generic (
    VECTORS : string   := "vectors.txt";
    DEPTH   : positive := 16;
    WIDTH   : positive := 8;
    INIT    : std_logic_vector
  );
end entity resq_rom_tb;

architecture sim of resq_rom_tb is

  signal clk     : std_logic := '0';
  signal r_addr  : natural range 0 to DEPTH - 1 := 0;
  signal r_data  : std_logic_vector(WIDTH - 1 downto 0);
  signal running : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_rom
    generic map (DEPTH => DEPTH, WIDTH => WIDTH, INIT => INIT)
    port map (clk => clk, r_addr => r_addr, r_data => r_data);

  check : process
    file vectors_f      : text;
    variable samples_v  : integer;
    variable expected_v : std_logic_vector(WIDTH - 1 downto 0);
    variable errors_v   : natural := 0;
  begin
    report "resq_rom_tb:" & generic_image("DEPTH", DEPTH) & generic_image("WIDTH", WIDTH)
      & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, samples_v);
    for address in 0 to DEPTH - 1 loop
      r_addr <= address;
      wait until rising_edge(clk);
      wait until falling_edge(clk);
      read_bits(vectors_f, expected_v);
      check_row("resq_rom_tb", 0, address, r_data, expected_v, errors_v);
    end loop;
    file_close(vectors_f);
    finish_check("resq_rom_tb", VECTORS, samples_v, DEPTH, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
