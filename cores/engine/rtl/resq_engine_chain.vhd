-- resq_engine_chain: the engine's one requantizer and its output path (docs/engine.md), one
-- element per cycle, bit for bit resq.hdlgen.engine.interpret (resq.spec.integer.intops):
--   v  = acc + bias                                     (op.bias)
--   t  = round_shift(v * op.mult, op.shift)             (the logit, to the softmax unit)
--   y  = clamp(t + op.zp, op.qmin, op.qmax)             (the linear's requantization)
--   y  = max(y, op.zp)                                  (op.relu)
--   y  = clamp(round_shift((y - op.zp) * add_mm + (side - add_zo) * add_mo, add_shift)
--              + add_zp, add_qmin, add_qmax)            (op.add: the fused residual add)
--   y  = clamp(round_shift(((y - add_zp) * (bn_a - bn_za) + bn_c) * bn_mult, bn_shift)
--              + bn_zp, bn_qmin, bn_qmax)               (op.bn: the fused batch norm)
-- Every step is registered (DSP48E1 M and P registers for the products); a step its op does
-- not use passes its input on, so out_valid follows in_valid by LATENCY = 11 cycles for
-- every op, with the tag (the element's place) beside it. op must stay unchanged while
-- elements are in flight. MULT_STYLE is the style of the requantizers' products,
-- ADD_STYLE of the add's two, BN_STYLE of the batch norm's (a, c) product.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;
use resq.resq_engine_pkg.all;

entity resq_engine_chain is
  generic (
    ACC_BITS   : positive := 24;
    DATA_BITS  : positive := 9;
    T_BITS     : positive := 24;
    ADD_BITS   : positive := 27;
    BN_BITS    : positive := 20;
    BNA_BITS   : positive := 9;
    TAG_BITS   : positive := 16;
    -- the shifts the program uses: SHIFT_MIN .. SHIFT_MIN + 2^SHIFT_BITS - 1 (likewise ADD_,
    -- BN_): a fixed shift by the minimum, then SHIFT_BITS stages
    SHIFT_MIN      : positive := 1;
    SHIFT_BITS     : natural  := 6;
    ADD_SHIFT_MIN  : positive := 1;
    ADD_SHIFT_BITS : natural  := 6;
    BN_SHIFT_MIN   : positive := 1;
    BN_SHIFT_BITS  : natural  := 6;
    MULT_STYLE : string   := "dsp";
    ADD_STYLE  : string   := "dsp";
    BN_STYLE   : string   := "lut"
  );
  port (
    clk       : in  std_logic;
    op        : in  resq_engine_op_t;
    in_valid  : in  std_logic;
    in_acc    : in  signed(ACC_BITS - 1 downto 0);
    in_bias   : in  signed(ACC_BITS - 1 downto 0);
    in_side   : in  signed(DATA_BITS - 1 downto 0);
    in_bn_a   : in  signed(BNA_BITS - 1 downto 0);
    in_bn_c   : in  signed(BN_BITS - 1 downto 0);
    in_tag    : in  std_logic_vector(TAG_BITS - 1 downto 0);
    out_valid : out std_logic;
    out_y     : out signed(DATA_BITS - 1 downto 0);
    out_t     : out signed(T_BITS - 1 downto 0);
    out_tag   : out std_logic_vector(TAG_BITS - 1 downto 0);
    busy      : out std_logic
  );
end entity resq_engine_chain;

architecture rtl of resq_engine_chain is

  constant LATENCY_c : positive := 11;
  -- acc + bias fits ACC_BITS (the accumulator width of every op holds it), so the sum
  -- wraps exactly at that width
  constant V_BITS_c  : positive := ACC_BITS;
  constant P_BITS_c  : positive := V_BITS_c + MULTIPLIER_BITS_c;
  constant D_BITS_c  : positive := DATA_BITS + 1;
  constant AP_BITS_c : positive := D_BITS_c + MULTIPLIER_BITS_c;
  constant BP_BITS_c : positive := BN_BITS + MULTIPLIER_BITS_c;

  type tag_array_t is array (1 to LATENCY_c) of std_logic_vector(TAG_BITS - 1 downto 0);
  type data_array_t is array (natural range <>) of signed(DATA_BITS - 1 downto 0);
  type t_array_t is array (4 to LATENCY_c) of signed(T_BITS - 1 downto 0);

  signal valid_r : std_logic_vector(1 to LATENCY_c) := (others => '0');
  signal tag_r   : tag_array_t := (others => (others => '0'));
  signal side_r  : data_array_t(1 to 3) := (others => (others => '0'));
  type bna_array_t is array (1 to 7) of signed(BNA_BITS - 1 downto 0);
  type bnc_array_t is array (1 to 8) of signed(BN_BITS - 1 downto 0);
  signal bna_r   : bna_array_t := (others => (others => '0'));
  signal bnc_r   : bnc_array_t := (others => (others => '0'));
  signal v1_r    : signed(V_BITS_c - 1 downto 0) := (others => '0');
  signal p2_r    : signed(P_BITS_c - 1 downto 0) := (others => '0');
  signal t3_r    : signed(P_BITS_c - 1 downto 0) := (others => '0');
  signal y3_r    : signed(DATA_BITS - 1 downto 0) := (others => '0');
  signal t_r     : t_array_t := (others => (others => '0'));
  signal mine4_r : signed(D_BITS_c - 1 downto 0) := (others => '0');
  signal other4_r : signed(D_BITS_c - 1 downto 0) := (others => '0');
  signal y_r     : data_array_t(4 to LATENCY_c) := (others => (others => '0'));
  signal pm5_r   : signed(AP_BITS_c - 1 downto 0) := (others => '0');
  signal po5_r   : signed(AP_BITS_c - 1 downto 0) := (others => '0');
  signal s6_r    : signed(ADD_BITS - 1 downto 0) := (others => '0');
  signal d8_r    : signed(D_BITS_c - 1 downto 0) := (others => '0');
  signal a8_r    : signed(BNA_BITS downto 0) := (others => '0');
  signal q9_r    : signed(BN_BITS - 1 downto 0) := (others => '0');
  signal p10_r   : signed(BP_BITS_c - 1 downto 0) := (others => '0');

  -- clamp(value + zp, qmin, qmax) as DATA_BITS, without wrapping.
  function clamp(value : signed; zp, qmin, qmax : integer) return signed is
    constant WIDTH_c : positive := maximum(value'length, 32) + 1;
  begin
    return resq_saturate(resize(value, WIDTH_c) + to_signed(zp, WIDTH_c), qmin, qmax,
                         DATA_BITS);
  end function;

  -- round_shift(value, shift) for shift in smin .. smin + 2^bits - 1: floor(value /
  -- 2^(smin - 1)) as wiring, then resq_round_shift_by of the rest.
  function shifted(value : signed; shift, smin : positive; bits : natural) return signed is
    constant LESS_c : unsigned(maximum(bits, 1) - 1 downto 0)
      := to_unsigned(shift - smin, maximum(bits, 1));
  begin
    return resq_round_shift_by(shift_right(value, smin - 1), LESS_c);
  end function;

begin

  out_valid <= valid_r(LATENCY_c);
  out_tag   <= tag_r(LATENCY_c);
  out_y     <= y_r(LATENCY_c);
  out_t     <= t_r(LATENCY_c);
  busy      <= '1' when valid_r /= (valid_r'range => '0') else '0';

  steps : process (clk)
    variable y_v : signed(DATA_BITS - 1 downto 0);
    variable r_v : signed(P_BITS_c - 1 downto 0);
  begin
    if rising_edge(clk) then
      valid_r <= in_valid & valid_r(1 to LATENCY_c - 1);
      tag_r   <= in_tag & tag_r(1 to LATENCY_c - 1);
      side_r  <= in_side & side_r(1 to 2);
      bna_r   <= in_bn_a & bna_r(1 to 6);
      bnc_r   <= in_bn_c & bnc_r(1 to 7);
      -- 1: the bias
      if op.bias then
        v1_r <= resize(in_acc, V_BITS_c) + resize(in_bias, V_BITS_c);
      else
        v1_r <= resize(in_acc, V_BITS_c);
      end if;
      -- 2: the requantizer's product
      p2_r <= resq_multiply(v1_r, to_signed(op.mult, MULTIPLIER_BITS_c), MULT_STYLE);
      -- 3: its rounding shift; the logit and the clamped value
      r_v  := shifted(p2_r, op.shift, SHIFT_MIN, SHIFT_BITS);
      t3_r <= r_v;
      y3_r <= clamp(r_v, op.zp, op.qmin, op.qmax);
      -- 4: ReLU; the add's operands
      y_v := y3_r;
      if op.relu and y3_r < to_signed(op.zp, DATA_BITS) then
        y_v := to_signed(op.zp, DATA_BITS);
      end if;
      y_r(4)   <= y_v;
      t_r(4)   <= resize(t3_r, T_BITS);
      mine4_r  <= resize(y_v, D_BITS_c) - to_signed(op.zp, D_BITS_c);
      other4_r <= resize(side_r(3), D_BITS_c) - to_signed(op.add_zo, D_BITS_c);
      -- 5, 6: the add's products and sum
      pm5_r <= resq_multiply(mine4_r, to_signed(op.add_mm, MULTIPLIER_BITS_c), ADD_STYLE);
      po5_r <= resq_multiply(other4_r, to_signed(op.add_mo, MULTIPLIER_BITS_c), ADD_STYLE);
      s6_r  <= resize(pm5_r, ADD_BITS) + resize(po5_r, ADD_BITS);
      y_r(5) <= y_r(4);
      y_r(6) <= y_r(5);
      -- 7: the add's requantization
      if op.add then
        y_r(7) <= clamp(shifted(s6_r, op.add_shift, ADD_SHIFT_MIN, ADD_SHIFT_BITS), op.add_zp,
                        op.add_qmin, op.add_qmax);
      else
        y_r(7) <= y_r(6);
      end if;
      -- 8, 9: the batch norm's affine
      d8_r <= resize(y_r(7), D_BITS_c) - to_signed(op.add_zp, D_BITS_c);
      a8_r <= resize(bna_r(7), BNA_BITS + 1) - to_signed(op.bn_za, BNA_BITS + 1);
      q9_r <= resize(resq_multiply(d8_r, a8_r, BN_STYLE), BN_BITS) + bnc_r(8);
      y_r(8) <= y_r(7);
      y_r(9) <= y_r(8);
      -- 10: its product; 11: its requantization
      p10_r <= resq_multiply(q9_r, to_signed(op.bn_mult, MULTIPLIER_BITS_c), MULT_STYLE);
      y_r(10) <= y_r(9);
      if op.bn then
        y_r(11) <= clamp(shifted(p10_r, op.bn_shift, BN_SHIFT_MIN, BN_SHIFT_BITS), op.bn_zp,
                         op.bn_qmin, op.bn_qmax);
      else
        y_r(11) <= y_r(10);
      end if;
      for s in 5 to LATENCY_c loop
        t_r(s) <= t_r(s - 1);
      end loop;
    end if;
  end process steps;

end architecture rtl;
