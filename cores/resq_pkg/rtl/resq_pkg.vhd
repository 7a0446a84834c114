-- resq_pkg: the integer arithmetic of resq (docs/integer-arithmetic.md), bit for bit the
-- same as resq.spec.integer.intops: rounding half up by an arithmetic shift, saturation, requantization.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

package resq_pkg is

  -- Width of a requantization multiplier m (unsigned, 2^14 <= m < 2^15), held as signed.
  constant MULTIPLIER_BITS_c : positive := 16;

  -- floor((value + 2^(shift-1)) / 2^shift): division by 2^shift rounding half up (towards
  -- +infinity) for both signs; 1 <= shift < value'length. Result has value'length bits.
  function resq_round_shift(value : signed; shift : positive) return signed;

  -- value clamped to [quant_min, quant_max], resized to width bits (no wrap).
  function resq_saturate(value : signed; quant_min, quant_max : integer; width : positive)
    return signed;

  -- clamp(round_shift(value, shift) + zero_point, quant_min, quant_max) as width bits: the
  -- tail of every requantization (resq.spec.integer.intops.requantize after the product).
  function resq_round_saturate(
    value      : signed;
    shift      : positive;
    zero_point : integer;
    quant_min  : integer;
    quant_max  : integer;
    width      : positive
  ) return signed;

  -- resq_requantize: clamp(round_shift(acc * multiplier, shift) + zero_point) as width bits.
  -- style "dsp" writes the product as "*" (synthesis maps it to DSP48), "lut" as shift-add.
  function resq_requantize(
    acc        : signed;
    multiplier : natural;
    shift      : positive;
    zero_point : integer;
    quant_min  : integer;
    quant_max  : integer;
    width      : positive;
    style      : string := "dsp"
  ) return signed;

  -- a * b with a'length + b'length bits. style "dsp": the "*" operator, which synthesis maps
  -- to DSP48 slices; "lut": a shift-and-add network that synthesis keeps in LUTs.
  function resq_multiply(a, b : signed; style : string) return signed;

  -- True for the multiplier styles the IP accept: "dsp" and "lut".
  function resq_is_mult_style(style : string) return boolean;

  -- Element index (0-based, element 0 in the low bits) of a word of packed signed elements
  -- of width bits each.
  function resq_element(word : std_logic_vector; index : natural; width : positive)
    return signed;

  -- The number of bits of an unsigned that holds value: the smallest b >= 1 with 2^b > value.
  function resq_bits_for(value : natural) return positive;

  -- if_true when condition, else if_false: a generic-dependent size in a declaration.
  function resq_select(condition : boolean; if_true, if_false : integer) return integer;

  -- The integer softmax's exponential (resq.spec.integer.softmax): EXP2[u mod 2^frac_bits] shifted
  -- right by u / 2^frac_bits, 0 once that exceeds exp_bits. table holds the 2^frac_bits
  -- entries of exp_bits + 1 bits each, entry 0 in the low bits. Result: exp_bits + 1 bits.
  function resq_exp2(u : unsigned; table : std_logic_vector; frac_bits, exp_bits : positive)
    return unsigned;

end package resq_pkg;

package body resq_pkg is

  function resq_round_shift(value : signed; shift : positive) return signed is
    constant WIDTH_c : positive := value'length + 1;
    variable sum_v   : signed(WIDTH_c - 1 downto 0);
    variable out_v   : signed(value'length - 1 downto 0);
  begin
    sum_v := resize(value, WIDTH_c) + shift_left(to_signed(1, WIDTH_c), shift - 1);
    -- The arithmetic shift as wiring: GHDL 2.0 writes shift_right of a signed value as
    -- Verilog ">>", which is a logical shift, so synthesis would lose the sign.
    for bit_i in out_v'range loop
      out_v(bit_i) := sum_v(minimum(bit_i + shift, WIDTH_c - 1));
    end loop;
    return out_v;
  end function;

  function resq_saturate(value : signed; quant_min, quant_max : integer; width : positive)
    return signed is
    constant WIDTH_c : positive := maximum(value'length, 33);
    variable wide_v  : signed(WIDTH_c - 1 downto 0);
  begin
    wide_v := resize(value, WIDTH_c);
    if wide_v < to_signed(quant_min, WIDTH_c) then
      return to_signed(quant_min, width);
    elsif wide_v > to_signed(quant_max, WIDTH_c) then
      return to_signed(quant_max, width);
    end if;
    return resize(wide_v, width);
  end function;

  function resq_requantize(
    acc        : signed;
    multiplier : natural;
    shift      : positive;
    zero_point : integer;
    quant_min  : integer;
    quant_max  : integer;
    width      : positive;
    style      : string := "dsp"
  ) return signed is
  begin
    return resq_round_saturate(resq_multiply(acc, to_signed(multiplier, MULTIPLIER_BITS_c), style),
                               shift, zero_point, quant_min, quant_max, width);
  end function;

  function resq_round_saturate(
    value      : signed;
    shift      : positive;
    zero_point : integer;
    quant_min  : integer;
    quant_max  : integer;
    width      : positive
  ) return signed is
    constant WIDTH_c : positive := maximum(value'length + 1, 33);
    variable sum_v   : signed(WIDTH_c - 1 downto 0);
  begin
    sum_v := resize(resq_round_shift(value, shift), WIDTH_c) + to_signed(zero_point, WIDTH_c);
    return resq_saturate(sum_v, quant_min, quant_max, width);
  end function;

  function resq_multiply(a, b : signed; style : string) return signed is
    constant WIDTH_c : positive := a'length + b'length;
    alias b_a        : signed(b'length - 1 downto 0) is b;
    variable sum_v   : signed(WIDTH_c - 1 downto 0);
  begin
    if style = "dsp" then
      return a * b;
    end if;
    sum_v := (others => '0');
    for bit_i in 0 to b'length - 2 loop
      if b_a(bit_i) = '1' then
        sum_v := sum_v + shift_left(resize(a, WIDTH_c), bit_i);
      end if;
    end loop;
    if b_a(b'length - 1) = '1' then
      sum_v := sum_v - shift_left(resize(a, WIDTH_c), b'length - 1);
    end if;
    return sum_v;
  end function;

  function resq_is_mult_style(style : string) return boolean is
  begin
    return style = "dsp" or style = "lut";
  end function;

  function resq_element(word : std_logic_vector; index : natural; width : positive)
    return signed is
    alias word_a : std_logic_vector(word'length - 1 downto 0) is word;
  begin
    return signed(word_a((index + 1) * width - 1 downto index * width));
  end function;

  function resq_bits_for(value : natural) return positive is
    variable bits_v : positive := 1;
  begin
    while 2 ** bits_v <= value loop
      bits_v := bits_v + 1;
    end loop;
    return bits_v;
  end function;

  function resq_select(condition : boolean; if_true, if_false : integer) return integer is
  begin
    if condition then
      return if_true;
    end if;
    return if_false;
  end function;

  function resq_exp2(u : unsigned; table : std_logic_vector; frac_bits, exp_bits : positive)
    return unsigned is
    alias table_a   : std_logic_vector(table'length - 1 downto 0) is table;
    variable whole_v : unsigned(u'length - 1 downto 0);
    variable entry_v : unsigned(exp_bits downto 0);
    variable index_v : natural range 0 to 2 ** frac_bits - 1;
  begin
    index_v := to_integer(u(u'low + frac_bits - 1 downto u'low));
    entry_v := unsigned(table_a((index_v + 1) * (exp_bits + 1) - 1 downto index_v * (exp_bits + 1)));
    whole_v := shift_right(u, frac_bits);
    if whole_v > exp_bits then
      return to_unsigned(0, exp_bits + 1);
    end if;
    return shift_right(entry_v, to_integer(whole_v));
  end function;

end package body resq_pkg;
