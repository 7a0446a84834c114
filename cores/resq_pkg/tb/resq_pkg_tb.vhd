-- Self-checking testbench of resq_pkg.resq_requantize. Each line of VECTORS holds
-- "<acc as ACC_BITS binary digits> multiplier shift zero_point quant_min quant_max expected",
-- written by resq.spec.integer.intops.requantize; any mismatch stops the run with a failure.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_pkg.all;

entity resq_pkg_tb is
  generic (
    VECTORS     : string   := "vectors.txt";
    ACC_BITS    : positive := 48;
    OUTPUT_BITS : positive := 16;
    MULT_STYLE  : string   := "dsp"
  );
end entity resq_pkg_tb;

architecture sim of resq_pkg_tb is
begin

  check : process
    file vectors_f      : text;
    variable line_v     : line;
    variable acc_v      : std_logic_vector(ACC_BITS - 1 downto 0);
    variable multiplier_v, shift_v, zero_v, min_v, max_v, expected_v : integer;
    variable got_v      : signed(OUTPUT_BITS - 1 downto 0);
    variable count_v    : natural := 0;
  begin
    report "resq_pkg_tb: ACC_BITS=" & integer'image(ACC_BITS)
      & " OUTPUT_BITS=" & integer'image(OUTPUT_BITS) & " MULT_STYLE=" & MULT_STYLE
      & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    while not endfile(vectors_f) loop
      readline(vectors_f, line_v);
      read(line_v, acc_v);
      read(line_v, multiplier_v);
      read(line_v, shift_v);
      read(line_v, zero_v);
      read(line_v, min_v);
      read(line_v, max_v);
      read(line_v, expected_v);
      got_v := resq_requantize(signed(acc_v), multiplier_v, shift_v, zero_v, min_v, max_v,
                               OUTPUT_BITS, MULT_STYLE);
      assert to_integer(got_v) = expected_v
        report "resq_pkg_tb: vector " & integer'image(count_v) & ": got "
          & integer'image(to_integer(got_v)) & ", expected " & integer'image(expected_v)
        severity failure;
      count_v := count_v + 1;
    end loop;
    file_close(vectors_f);
    assert count_v > 0 report "resq_pkg_tb: no vectors in " & VECTORS severity failure;
    report "resq_pkg_tb: " & integer'image(count_v) & " vectors passed";
    std.env.finish;
    wait;
  end process check;

end architecture sim;
