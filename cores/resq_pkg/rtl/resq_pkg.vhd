-- resq_pkg: the integer arithmetic of resq (docs/integer-arithmetic.md), bit for bit the
-- same as resq.qat.intops: rounding half up by an arithmetic shift, saturation, requantization.
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

  -- resq_requantize: clamp(round_shift(acc * multiplier, shift) + zero_point) as width bits.
  function resq_requantize(
    acc        : signed;
    multiplier : natural;
    shift      : positive;
    zero_point : integer;
    quant_min  : integer;
    quant_max  : integer;
    width      : positive
  ) return signed;

end package resq_pkg;

package body resq_pkg is

  function resq_round_shift(value : signed; shift : positive) return signed is
    constant WIDTH_c : positive := value'length + 1;
    variable sum_v   : signed(WIDTH_c - 1 downto 0);
  begin
    sum_v := resize(value, WIDTH_c) + shift_left(to_signed(1, WIDTH_c), shift - 1);
    return resize(shift_right(sum_v, shift), value'length);
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
    width      : positive
  ) return signed is
    constant PRODUCT_BITS_c : positive := acc'length + MULTIPLIER_BITS_c;
    variable product_v      : signed(PRODUCT_BITS_c - 1 downto 0);
    variable shifted_v      : signed(PRODUCT_BITS_c downto 0);
  begin
    product_v := acc * to_signed(multiplier, MULTIPLIER_BITS_c);
    shifted_v := resize(resq_round_shift(product_v, shift), PRODUCT_BITS_c + 1)
                 + to_signed(zero_point, PRODUCT_BITS_c + 1);
    return resq_saturate(shifted_v, quant_min, quant_max, width);
  end function;

end package body resq_pkg;
