-- resq_linear: y[r] = requantize(W (x[r] - z_x) ... ) for every row r of a (ROWS, IN_FEATURES)
-- tensor, bit for bit resq.spec.integer.intref.linear_int:
--   acc[r, o] = sum_i (x[r, i] - INPUT_ZERO) * (w[o, i] - WEIGHT_ZERO) + bias[o]
--   y[r, o]   = clamp(round_shift(acc * MULTIPLIER, SHIFT) + OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX)
--   and, when RELU, max(y, OUTPUT_ZERO).
-- PAR products per cycle over the input features; CHUNKS = ceil(IN_FEATURES / PAR) cycles per
-- output. Memories answer one cycle after the address: x (one row per word, element i in
-- bits i*INPUT_BITS), w (word o*CHUNKS + c holds w[o, c*PAR + j] for j < PAR; padding entries
-- hold WEIGHT_ZERO), bias (word o, ACC_BITS). One output row is written per y_we pulse.
-- A start pulse runs all ROWS rows; done pulses for one cycle at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_linear is
  generic (
    ROWS         : positive := 24;
    IN_FEATURES  : positive := 16;
    OUT_FEATURES : positive := 16;
    INPUT_BITS   : positive := 8;
    WEIGHT_BITS  : positive := 8;
    OUTPUT_BITS  : positive := 8;
    ACC_BITS     : positive := 24;
    INPUT_ZERO   : integer  := 0;
    WEIGHT_ZERO  : integer  := 0;
    OUTPUT_ZERO  : integer  := 0;
    OUTPUT_MIN   : integer  := -127;
    OUTPUT_MAX   : integer  := 127;
    MULTIPLIER   : natural  := 16384;
    SHIFT        : positive := 20;
    RELU         : boolean  := false;
    PAR          : positive := 1;
    MULT_STYLE   : string   := "dsp"
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_addr : out natural range 0 to ROWS - 1;
    x_data : in  std_logic_vector(IN_FEATURES * INPUT_BITS - 1 downto 0);
    w_addr : out natural range 0 to OUT_FEATURES * ((IN_FEATURES + PAR - 1) / PAR) - 1;
    w_data : in  std_logic_vector(PAR * WEIGHT_BITS - 1 downto 0);
    b_addr : out natural range 0 to OUT_FEATURES - 1;
    b_data : in  std_logic_vector(ACC_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(OUT_FEATURES * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_linear;

architecture rtl of resq_linear is

  constant CHUNKS_c   : positive := (IN_FEATURES + PAR - 1) / PAR;
  constant PRODUCT_c  : positive := INPUT_BITS + WEIGHT_BITS + 2;
  -- Cycles after the last weight address of a row until y_row_r holds its last output:
  -- one to accumulate the arriving weights, one to requantize.
  constant LATENCY_c  : positive := 2;

  type state_t is (IDLE_s, LOAD_s, LATCH_s, RUN_s, DRAIN_s, WRITE_s);

  signal state_r      : state_t := IDLE_s;
  signal row_r        : natural range 0 to ROWS - 1 := 0;
  signal out_r        : natural range 0 to OUT_FEATURES - 1 := 0;
  signal chunk_r      : natural range 0 to CHUNKS_c - 1 := 0;
  signal drain_r      : natural range 0 to LATENCY_c := 0;
  signal x_row_r      : std_logic_vector(IN_FEATURES * INPUT_BITS - 1 downto 0) := (others => '0');
  -- Stage 1: weight data valid for (out1_r, chunk1_r).
  signal valid1_r     : std_logic := '0';
  signal out1_r       : natural range 0 to OUT_FEATURES - 1 := 0;
  signal chunk1_r     : natural range 0 to CHUNKS_c - 1 := 0;
  signal acc_r        : signed(ACC_BITS - 1 downto 0) := (others => '0');
  -- Stage 2: a finished accumulator for out2_r.
  signal valid2_r     : std_logic := '0';
  signal out2_r       : natural range 0 to OUT_FEATURES - 1 := 0;
  signal final_r      : signed(ACC_BITS - 1 downto 0) := (others => '0');
  signal y_row_r      : std_logic_vector(OUT_FEATURES * OUTPUT_BITS - 1 downto 0) := (others => '0');
  signal done_r       : std_logic := '0';

  function chunk_sum(x_row : std_logic_vector; weights : std_logic_vector; chunk : natural)
    return signed is
    variable sum_v : signed(ACC_BITS - 1 downto 0) := (others => '0');
    variable x_v   : signed(INPUT_BITS downto 0);
    variable w_v   : signed(WEIGHT_BITS downto 0);
  begin
    for j in 0 to PAR - 1 loop
      if chunk * PAR + j < IN_FEATURES then
        x_v   := resize(resq_element(x_row, chunk * PAR + j, INPUT_BITS), INPUT_BITS + 1)
                 - to_signed(INPUT_ZERO, INPUT_BITS + 1);
        w_v   := resize(resq_element(weights, j, WEIGHT_BITS), WEIGHT_BITS + 1)
                 - to_signed(WEIGHT_ZERO, WEIGHT_BITS + 1);
        sum_v := sum_v + resize(resq_multiply(x_v, w_v, MULT_STYLE), ACC_BITS);
      end if;
    end loop;
    return sum_v;
  end function;

begin

  assert resq_is_mult_style(MULT_STYLE)
    report "resq_linear: MULT_STYLE must be ""dsp"" or ""lut"", got """ & MULT_STYLE & """"
    severity failure;
  assert PRODUCT_c <= ACC_BITS
    report "resq_linear: ACC_BITS is narrower than one product" severity failure;
  assert OUTPUT_MIN >= -2 ** (OUTPUT_BITS - 1) and OUTPUT_MAX < 2 ** (OUTPUT_BITS - 1)
    and OUTPUT_MIN <= OUTPUT_ZERO and OUTPUT_ZERO <= OUTPUT_MAX
    report "resq_linear: OUTPUT_MIN..OUTPUT_MAX must hold OUTPUT_ZERO and fit OUTPUT_BITS"
    severity failure;

  x_addr <= row_r;
  w_addr <= out_r * CHUNKS_c + chunk_r;
  b_addr <= out_r;
  y_addr <= row_r;
  y_data <= y_row_r;
  y_we   <= '1' when state_r = WRITE_s else '0';
  done   <= done_r;

  control : process (clk)
  begin
    if rising_edge(clk) then
      done_r   <= '0';
      valid1_r <= '0';
      case state_r is
        when IDLE_s =>
          if start = '1' then
            row_r   <= 0;
            state_r <= LOAD_s;
          end if;
        when LOAD_s =>
          state_r <= LATCH_s;
        when LATCH_s =>
          x_row_r <= x_data;
          out_r   <= 0;
          chunk_r <= 0;
          state_r <= RUN_s;
        when RUN_s =>
          valid1_r <= '1';
          out1_r   <= out_r;
          chunk1_r <= chunk_r;
          if chunk_r = CHUNKS_c - 1 then
            chunk_r <= 0;
            if out_r = OUT_FEATURES - 1 then
              drain_r <= 0;
              state_r <= DRAIN_s;
            else
              out_r <= out_r + 1;
            end if;
          else
            chunk_r <= chunk_r + 1;
          end if;
        when DRAIN_s =>
          if drain_r = LATENCY_c - 1 then
            state_r <= WRITE_s;
          else
            drain_r <= drain_r + 1;
          end if;
        when WRITE_s =>
          if row_r = ROWS - 1 then
            done_r  <= '1';
            state_r <= IDLE_s;
          else
            row_r   <= row_r + 1;
            state_r <= LOAD_s;
          end if;
      end case;
      if rst = '1' then
        state_r  <= IDLE_s;
        valid1_r <= '0';
        done_r   <= '0';
      end if;
    end if;
  end process control;

  accumulate : process (clk)
    variable base_v : signed(ACC_BITS - 1 downto 0);
    variable acc_v  : signed(ACC_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      valid2_r <= '0';
      if valid1_r = '1' then
        if chunk1_r = 0 then
          base_v := signed(b_data);
        else
          base_v := acc_r;
        end if;
        acc_v := base_v + chunk_sum(x_row_r, w_data, chunk1_r);
        acc_r <= acc_v;
        if chunk1_r = CHUNKS_c - 1 then
          valid2_r <= '1';
          out2_r   <= out1_r;
          final_r  <= acc_v;
        end if;
      end if;
      if rst = '1' then
        valid2_r <= '0';
      end if;
    end if;
  end process accumulate;

  requantize : process (clk)
    variable y_v : signed(OUTPUT_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      if valid2_r = '1' then
        y_v := resq_requantize(final_r, MULTIPLIER, SHIFT, OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX,
                               OUTPUT_BITS, MULT_STYLE);
        if RELU and y_v < to_signed(OUTPUT_ZERO, OUTPUT_BITS) then
          y_v := to_signed(OUTPUT_ZERO, OUTPUT_BITS);
        end if;
        for o in 0 to OUT_FEATURES - 1 loop
          if o = out2_r then
            y_row_r((o + 1) * OUTPUT_BITS - 1 downto o * OUTPUT_BITS) <= std_logic_vector(y_v);
          end if;
        end loop;
      end if;
    end if;
  end process requantize;

end architecture rtl;
