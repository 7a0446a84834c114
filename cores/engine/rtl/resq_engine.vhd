-- resq_engine: the shared compute engine (docs/engine.md). One datapath runs the ops of
-- PROGRAM (resq.hdlgen.engine.lower) one after another, bit for bit
-- resq.hdlgen.engine.interpret and so the integer reference:
--   LANES multiply-accumulate lanes (resq_engine_lanes), one requantizer with its fused
--   ReLU, add and batch norm (resq_engine_chain), one softmax unit (resq_engine_softmax),
--   the tensor memory of LANES skewed banks (resq_engine_memory), and three ROMs: the
--   weights (one word of LANES operands per pass and k, zero point subtracted), the
--   channels (bias, batch-norm weight minus its zero point, batch-norm bias) and the
--   constant tables (LANES elements per word, laid out like a tensor row).
-- An op is M rows; a row loads A[m, :] into the row buffer (a_loads reads of LANES columns,
-- or one read of the input buffer), then runs passes of n0 = 0, LANES, .. < N: each pass
-- issues max(K, used, 3) cycles (used = min(LANES, N - n0)), a product on the first K,
-- whose sums drain through the chain one element per cycle while the next pass runs. Every
-- operand arrives 3 cycles after its issue (the memory's latency; the ROMs and the input
-- buffer are delayed to match). Score rows go from the chain to the softmax unit, which
-- writes the probabilities; score row m >= 2 starts only when the softmax has started the
-- divisions of row m - 2 (its two row buffers). An op starts when the previous one has
-- written its last element. The input window is written row by row through x_we/x_addr/
-- x_data before start; y_data holds the output row once done has pulsed; stage is the
-- IntModel node the running op belongs to (STAGES when idle).
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;
use resq.resq_engine_pkg.all;

entity resq_engine is
  generic (
    LANES         : positive := 16;
    A_WIDTH       : positive := 9;
    B_WIDTH       : positive := 9;
    ACC_BITS      : positive := 24;
    DATA_BITS     : positive := 9;
    T_BITS        : positive := 24;
    ADD_BITS      : positive := 27;
    BN_BITS       : positive := 20;
    BNA_BITS      : positive := 9;
    IDX_BITS      : positive := 8;
    MAX_K         : positive := 64;
    MAX_LEN       : positive := 24;
    PROB_BITS     : positive := 8;
    FRAC_BITS     : positive := 6;
    EXP_BITS      : positive := 15;
    EXP2_TABLE    : std_logic_vector;
    DEPTH         : positive := 256;
    MEM_STYLE     : string   := "auto";
    LANE_STYLE    : string   := "dsp";
    MULT_STYLE    : string   := "dsp";
    SHIFT_MIN      : positive := 1;
    SHIFT_BITS     : natural  := 6;
    ADD_SHIFT_MIN  : positive := 1;
    ADD_SHIFT_BITS : natural  := 6;
    BN_SHIFT_MIN   : positive := 1;
    BN_SHIFT_BITS  : natural  := 6;
    ROM_STYLE     : string   := "block";
    PROGRAM       : resq_engine_program_t;
    STAGES        : positive := 16;
    WEIGHT_DEPTH  : positive := 1;
    WEIGHTS       : std_logic_vector;
    CHANNEL_DEPTH : positive := 1;
    CHANNELS      : std_logic_vector;
    TABLE_DEPTH   : positive := 1;
    TABLES        : std_logic_vector;
    X_ROWS        : positive := 24;
    X_FEATURES    : positive := 7;
    X_BITS        : positive := 8;
    X_SIGNED      : boolean  := true;
    Y_COUNT       : positive := 1;
    Y_BITS        : positive := 8
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_we   : in  std_logic;
    x_addr : in  natural range 0 to X_ROWS - 1;
    x_data : in  std_logic_vector(X_FEATURES * X_BITS - 1 downto 0);
    y_data : out std_logic_vector(Y_COUNT * Y_BITS - 1 downto 0);
    stage  : out natural range 0 to STAGES
  );
end entity resq_engine;

architecture rtl of resq_engine is

  constant LOG_c       : natural  := resq_log2(LANES);
  constant OPS_c       : positive := PROGRAM'length;
  constant CHANNEL_c   : positive := ACC_BITS + BNA_BITS + BN_BITS;
  constant TAG_BITS_c  : positive := 2 * IDX_BITS;
  constant ADDR_MAX_c  : natural  := 2 ** ENGINE_ADDR_BITS_c - 1;
  -- address bits of the ROMs and the input buffer (their depths are powers of two)
  constant WB_c        : positive := maximum(resq_log2(WEIGHT_DEPTH), 1);
  constant CB_c        : positive := maximum(resq_log2(CHANNEL_DEPTH), 1);
  constant TB_c        : positive := maximum(resq_log2(TABLE_DEPTH), 1);
  constant XB_c        : positive := maximum(resq_log2(X_ROWS), 1);

  type state_t is (IDLE_s, START_s, OP_s, LOAD_s, PASS_s, WAIT_ROW_s, WAIT_OP_s);
  type row_t is array (0 to MAX_K - 1) of signed(DATA_BITS - 1 downto 0);
  type k_delay_t is array (1 to 3) of natural range 0 to MAX_K - 1;
  type j_delay_t is array (1 to 3) of natural range 0 to MAX_K;
  type addr_delay_t is array (1 to 2) of unsigned(ENGINE_ADDR_BITS_c - 1 downto 0);

  -- the sequencer
  signal state_r   : state_t := IDLE_s;
  signal op_i_r    : natural range 0 to OPS_c - 1 := 0;
  signal op_r      : resq_engine_op_t := PROGRAM(PROGRAM'low);
  signal m_r       : natural range 0 to 2 ** IDX_BITS - 1 := 0;
  signal n0_r      : natural range 0 to 2 ** IDX_BITS + LANES := 0;
  signal k_r       : natural range 0 to 2 ** IDX_BITS + LANES := 0;
  signal j_r       : natural range 0 to MAX_K := 0;
  signal wpass_r   : natural range 0 to ADDR_MAX_c := 0;
  signal passes_r  : natural range 0 to 7 := 0;
  signal done_r    : std_logic := '0';
  signal running_r : std_logic := '0';
  -- the issue registers (cycle c) and their delays to the operands' cycle c + 3
  signal iss_valid : std_logic := '0';
  signal iss_first : std_logic := '0';
  signal iss_last  : std_logic := '0';
  signal iss_k     : natural range 0 to MAX_K - 1 := 0;
  signal iss_load  : std_logic := '0';
  signal iss_j     : natural range 0 to MAX_K := 0;
  signal iss_side  : std_logic := '0';
  signal iss_wrom  : unsigned(ENGINE_ADDR_BITS_c - 1 downto 0) := (others => '0');
  signal iss_trom  : unsigned(ENGINE_ADDR_BITS_c - 1 downto 0) := (others => '0');
  signal rd_cols   : std_logic := '0';
  signal rd_base   : natural range 0 to ADDR_MAX_c := 0;
  signal rd_row    : natural range 0 to ADDR_MAX_c := 0;
  signal rd_col    : natural range 0 to ADDR_MAX_c := 0;
  signal rd_wl     : natural range 0 to 15 := 0;
  signal valid_d   : std_logic_vector(1 to 3) := (others => '0');
  signal first_d   : std_logic_vector(1 to 3) := (others => '0');
  signal last_d    : std_logic_vector(1 to 3) := (others => '0');
  signal load_d    : std_logic_vector(1 to 3) := (others => '0');
  signal side_d    : std_logic_vector(1 to 3) := (others => '0');
  signal k_d       : k_delay_t := (others => 0);
  signal j_d       : j_delay_t := (others => 0);
  signal wrom_d    : addr_delay_t := (others => (others => '0'));
  signal trom_d    : addr_delay_t := (others => (others => '0'));
  signal x_addr_r  : unsigned(ENGINE_ADDR_BITS_c - 1 downto 0);
  signal x_raddr   : natural range 0 to 2 ** XB_c - 1;
  signal w_raddr   : natural range 0 to WEIGHT_DEPTH - 1;
  signal t_raddr   : natural range 0 to TABLE_DEPTH - 1;
  signal c_raddr   : natural range 0 to CHANNEL_DEPTH - 1;
  -- the operands
  signal rd_data   : std_logic_vector(LANES * DATA_BITS - 1 downto 0);
  signal w_data    : std_logic_vector(LANES * B_WIDTH - 1 downto 0);
  signal t_data    : std_logic_vector(LANES * DATA_BITS - 1 downto 0);
  signal x_row     : std_logic_vector(X_FEATURES * X_BITS - 1 downto 0);
  signal x_d       : std_logic_vector(X_FEATURES * X_BITS - 1 downto 0) := (others => '0');
  signal x_dd      : std_logic_vector(X_FEATURES * X_BITS - 1 downto 0) := (others => '0');
  signal row_r     : row_t := (others => (others => '0'));
  signal lane_a    : std_logic_vector(A_WIDTH - 1 downto 0);
  signal lane_b    : std_logic_vector(LANES * B_WIDTH - 1 downto 0);
  signal side_r    : std_logic_vector(LANES * DATA_BITS - 1 downto 0) := (others => '0');
  signal sums      : std_logic_vector(LANES * ACC_BITS - 1 downto 0);
  signal sums_v    : std_logic;
  -- the drain: one element of the last pass's sums per cycle into the chain
  signal dsums_r   : std_logic_vector(LANES * ACC_BITS - 1 downto 0) := (others => '0');
  signal dside_r   : std_logic_vector(LANES * DATA_BITS - 1 downto 0) := (others => '0');
  signal dm_r      : natural range 0 to 2 ** IDX_BITS - 1 := 0;
  signal dn0_r     : natural range 0 to 2 ** IDX_BITS + LANES := 0;
  signal cm_r      : natural range 0 to 2 ** IDX_BITS - 1 := 0;
  signal cn0_r     : natural range 0 to 2 ** IDX_BITS + LANES := 0;
  signal cused_r   : natural range 0 to LANES := 1;
  signal dp_r      : natural range 0 to LANES - 1 := 0;
  signal draining  : std_logic := '0';
  signal pass_end  : std_logic;
  signal c_addr    : unsigned(ENGINE_ADDR_BITS_c - 1 downto 0);
  signal c_data    : std_logic_vector(CHANNEL_c - 1 downto 0);
  signal e_valid   : std_logic := '0';
  signal e_acc     : signed(ACC_BITS - 1 downto 0) := (others => '0');
  signal e_side    : signed(DATA_BITS - 1 downto 0) := (others => '0');
  signal e_tag     : std_logic_vector(TAG_BITS_c - 1 downto 0) := (others => '0');
  -- the chain and the softmax
  signal ch_valid  : std_logic;
  signal ch_y      : signed(DATA_BITS - 1 downto 0);
  signal ch_t      : signed(T_BITS - 1 downto 0);
  signal ch_tag    : std_logic_vector(TAG_BITS_c - 1 downto 0);
  signal ch_busy   : std_logic;
  signal ch_m      : natural range 0 to 2 ** IDX_BITS - 1;
  signal ch_n      : natural range 0 to 2 ** IDX_BITS - 1;
  signal sm_clear  : std_logic := '0';
  signal sm_in     : std_logic;
  signal sm_last   : std_logic;
  signal sm_valid  : std_logic;
  signal sm_row    : natural range 0 to 2 ** 16 - 1;
  signal sm_col    : natural range 0 to MAX_LEN - 1;
  signal sm_p      : unsigned(PROB_BITS - 1 downto 0);
  signal sm_taken  : natural range 0 to 2 ** 16 - 1;
  signal sm_idle   : std_logic;
  -- the tensor memory's write port and the output row
  signal ch_store  : std_logic;
  signal wr_en     : std_logic;
  signal wr_base   : natural range 0 to ADDR_MAX_c;
  signal wr_row    : natural range 0 to ADDR_MAX_c;
  signal wr_col    : natural range 0 to ADDR_MAX_c;
  signal wr_wl     : natural range 0 to 15;
  signal wr_data   : std_logic_vector(DATA_BITS - 1 downto 0);
  signal y_r       : std_logic_vector(Y_COUNT * Y_BITS - 1 downto 0) := (others => '0');

  function element(word : std_logic_vector; index : natural; width : positive) return signed is
  begin
    return resq_element(word, index, width);
  end function;

  -- Element f of the input row as a DATA_BITS signed value.
  function x_element(word : std_logic_vector; f : natural) return signed is
    alias word_a : std_logic_vector(word'length - 1 downto 0) is word;
    constant RAW_c : std_logic_vector(X_BITS - 1 downto 0)
      := word_a((f + 1) * X_BITS - 1 downto f * X_BITS);
  begin
    if X_SIGNED then
      return resize(signed(RAW_c), DATA_BITS);
    end if;
    return signed(resize(unsigned(RAW_c), DATA_BITS));
  end function;

  -- The lanes one pass of row n0 uses: min(LANES, n - n0), 0 past the row.
  function used(n, n0 : natural) return natural is
  begin
    if n0 >= n then
      return 0;
    elsif n0 + LANES > n then
      return n - n0;
    end if;
    return LANES;
  end function;

  -- The cycles a pass issues: max(k, used, 3).
  function pass_cycles(k, used_lanes : natural) return natural is
  begin
    return maximum(maximum(k, used_lanes), 3);
  end function;

begin

  assert 2 ** LOG_c = LANES report "resq_engine: LANES must be a power of two" severity failure;
  assert 2 ** WB_c = WEIGHT_DEPTH and 2 ** CB_c = CHANNEL_DEPTH and 2 ** TB_c = TABLE_DEPTH
    report "resq_engine: the ROM depths must be powers of two" severity failure;

  stage <= PROGRAM(op_i_r).node when running_r = '1' else STAGES;
  done  <= done_r;
  y_data <= y_r;

  sequencer : process (clk)
    variable used_v : natural range 0 to LANES;
    variable len_v  : natural;

    -- Start row `row` of op_r: its loads (A from memory or the input), or its first pass.
    procedure begin_row(row : natural) is
    begin
      m_r     <= row;
      n0_r    <= 0;
      k_r     <= 0;
      j_r     <= 0;
      wpass_r <= op_r.b_base;
      if op_r.scores and row >= 2 and sm_taken + 1 < row then
        state_r <= WAIT_ROW_s;
      elsif op_r.a_loads = 0 then
        state_r <= PASS_s;
      else
        state_r <= LOAD_s;
      end if;
    end procedure;

  begin
    if rising_edge(clk) then
      done_r    <= '0';
      sm_clear  <= '0';
      iss_valid <= '0';
      iss_first <= '0';
      iss_last  <= '0';
      iss_load  <= '0';
      iss_side  <= '0';
      used_v := used(op_r.n, n0_r);
      len_v  := pass_cycles(op_r.k, used_v);
      case state_r is
        when IDLE_s =>
          if start = '1' then
            op_i_r    <= 0;
            running_r <= '1';
            state_r   <= START_s;
          end if;
        when START_s =>
          op_r     <= PROGRAM(op_i_r);
          sm_clear <= '1';
          state_r  <= OP_s;
        when OP_s =>
          begin_row(0);
        when WAIT_ROW_s =>
          if sm_taken + 1 >= m_r then
            begin_row(m_r);
          end if;
        when LOAD_s =>
          iss_load <= '1';
          iss_j    <= j_r;
          rd_cols  <= '1';
          rd_base  <= op_r.a_base;
          rd_wl    <= op_r.a_wl;
          rd_row   <= m_r;
          rd_col   <= op_r.a_off + j_r * LANES;
          if j_r = op_r.a_loads - 1 then
            state_r <= PASS_s;
          else
            j_r <= j_r + 1;
          end if;
        when PASS_s =>
          if k_r < op_r.k then
            iss_valid <= '1';
            iss_k     <= k_r;
          end if;
          if k_r = 0 then
            iss_first <= '1';
          end if;
          iss_wrom <= to_unsigned(wpass_r, ENGINE_ADDR_BITS_c)
                      + to_unsigned(k_r, ENGINE_ADDR_BITS_c);
          if op_r.b_src = B_ROWS_c then
            rd_cols <= '0';
            rd_base <= op_r.b_base;
            rd_wl   <= op_r.b_wl;
            rd_row  <= n0_r;
            rd_col  <= op_r.b_off + k_r;
          elsif op_r.b_src = B_COLS_c then
            rd_cols <= '1';
            rd_base <= op_r.b_base;
            rd_wl   <= op_r.b_wl;
            rd_row  <= k_r;
            rd_col  <= op_r.b_off + n0_r;
          end if;
          if k_r = op_r.k - 1 then
            iss_last <= '1';
            if op_r.add then
              iss_side <= '1';
              iss_trom <= resq_engine_word(op_r.add_base, to_unsigned(m_r, IDX_BITS),
                                           to_unsigned(n0_r, ENGINE_ADDR_BITS_c), op_r.add_wl,
                                           LANES);
              if not op_r.add_const then
                rd_cols <= '1';
                rd_base <= op_r.add_base;
                rd_wl   <= op_r.add_wl;
                rd_row  <= m_r;
                rd_col  <= n0_r;
              end if;
            end if;
          end if;
          if k_r = len_v - 1 then
            if n0_r + LANES < op_r.n then
              n0_r    <= n0_r + LANES;
              wpass_r <= wpass_r + op_r.k;
              k_r     <= 0;
            elsif m_r = op_r.m - 1 then
              state_r <= WAIT_OP_s;
            else
              begin_row(m_r + 1);
            end if;
          else
            k_r <= k_r + 1;
          end if;
        when WAIT_OP_s =>
          if iss_last = '0' and passes_r = 0 and e_valid = '0' and draining = '0'
             and ch_busy = '0'
             and (not op_r.scores or sm_idle = '1') then
            if op_i_r = OPS_c - 1 then
              done_r    <= '1';
              running_r <= '0';
              state_r   <= IDLE_s;
            else
              op_i_r  <= op_i_r + 1;
              state_r <= START_s;
            end if;
          end if;
      end case;
      if rst = '1' then
        state_r   <= IDLE_s;
        running_r <= '0';
        done_r    <= '0';
      end if;
    end if;
  end process sequencer;

  -- Passes issued and not yet drained.
  count_passes : process (clk)
  begin
    if rising_edge(clk) then
      if iss_last = '1' and pass_end = '0' then
        passes_r <= passes_r + 1;
      elsif iss_last = '0' and pass_end = '1' then
        passes_r <= passes_r - 1;
      end if;
      if rst = '1' then
        passes_r <= 0;
      end if;
    end if;
  end process count_passes;

  delays : process (clk)
  begin
    if rising_edge(clk) then
      valid_d <= iss_valid & valid_d(1 to 2);
      first_d <= iss_first & first_d(1 to 2);
      last_d  <= iss_last & last_d(1 to 2);
      load_d  <= iss_load & load_d(1 to 2);
      side_d  <= iss_side & side_d(1 to 2);
      k_d     <= iss_k & k_d(1 to 2);
      j_d     <= iss_j & j_d(1 to 2);
      wrom_d  <= iss_wrom & wrom_d(1);
      trom_d  <= iss_trom & trom_d(1);
      x_d     <= x_row;
      x_dd    <= x_d;
    end if;
  end process delays;

  -- The operands of cycle c + 3: the row buffer's loads, the side addends, the lanes' inputs.
  operands : process (clk)
  begin
    if rising_edge(clk) then
      if load_d(3) = '1' then
        for i in 0 to MAX_K - 1 loop
          if op_r.a_src = A_INPUT_c then
            if i < X_FEATURES then
              row_r(i) <= x_element(x_dd, i);
            end if;
          elsif i / LANES = j_d(3) then
            row_r(i) <= element(rd_data, i mod LANES, DATA_BITS);
          end if;
        end loop;
      end if;
      if side_d(3) = '1' then
        if op_r.add_const then
          side_r <= t_data;
        else
          side_r <= rd_data;
        end if;
      end if;
    end if;
  end process operands;

  lane_a <= std_logic_vector(to_signed(1, A_WIDTH)) when op_r.a_src = A_ONE_c else
            std_logic_vector(resize(row_r(k_d(3)), A_WIDTH) - to_signed(op_r.a_zp, A_WIDTH));

  b_lanes : for p in 0 to LANES - 1 generate
    lane_b((p + 1) * B_WIDTH - 1 downto p * B_WIDTH) <=
      w_data((p + 1) * B_WIDTH - 1 downto p * B_WIDTH) when op_r.b_src = B_WEIGHTS_c else
      std_logic_vector(resize(element(rd_data, p, DATA_BITS), B_WIDTH)
                       - to_signed(op_r.b_zp, B_WIDTH));
  end generate b_lanes;

  memory : entity resq.resq_engine_memory
    generic map (LANES => LANES, DATA_BITS => DATA_BITS, DEPTH => DEPTH, STYLE => MEM_STYLE)
    port map (clk => clk, rd_cols => rd_cols, rd_base => rd_base, rd_row => rd_row,
              rd_col => rd_col, rd_wl => rd_wl, rd_data => rd_data, wr_en => wr_en,
              wr_base => wr_base, wr_row => wr_row, wr_col => wr_col, wr_wl => wr_wl,
              wr_data => wr_data);

  x_addr_r <= to_unsigned(rd_row, ENGINE_ADDR_BITS_c);
  x_raddr  <= to_integer(x_addr_r(XB_c - 1 downto 0));
  w_raddr  <= to_integer(wrom_d(2)(WB_c - 1 downto 0));
  t_raddr  <= to_integer(trom_d(2)(TB_c - 1 downto 0));

  input_buffer : entity resq.resq_buffer_memory
    generic map (DEPTH => 2 ** XB_c, WIDTH => X_FEATURES * X_BITS, STYLE => "auto")
    port map (clk => clk, we => x_we, w_addr => x_addr, w_data => x_data,
              r_addr => x_raddr, r_data => x_row);

  weight_rom : entity resq.resq_engine_rom
    generic map (DEPTH => WEIGHT_DEPTH, WIDTH => LANES * B_WIDTH, STYLE => ROM_STYLE,
                 INIT => WEIGHTS)
    port map (clk => clk, we => '0', w_addr => 0, w_data => (others => '0'),
              r_addr => w_raddr, r_data => w_data);

  table_rom : entity resq.resq_engine_rom
    generic map (DEPTH => TABLE_DEPTH, WIDTH => LANES * DATA_BITS, STYLE => "auto",
                 INIT => TABLES)
    port map (clk => clk, we => '0', w_addr => 0, w_data => (others => '0'),
              r_addr => t_raddr, r_data => t_data);

  mac_lanes : entity resq.resq_engine_lanes
    generic map (LANES => LANES, A_WIDTH => A_WIDTH, B_WIDTH => B_WIDTH, ACC_BITS => ACC_BITS,
                 MULT_STYLE => LANE_STYLE)
    port map (clk => clk, in_valid => valid_d(3), in_first => first_d(3), in_last => last_d(3),
              a => lane_a, b => lane_b, out_valid => sums_v, sums => sums);

  -- The drain: pass sums in, one element per cycle out, its channel ROM word beside it.
  pass_end <= '1' when draining = '1' and dp_r = cused_r - 1 else '0';
  c_addr   <= to_unsigned(op_r.ch_base, ENGINE_ADDR_BITS_c) + to_unsigned(cn0_r, ENGINE_ADDR_BITS_c)
              + to_unsigned(dp_r, ENGINE_ADDR_BITS_c);
  c_raddr  <= to_integer(c_addr(CB_c - 1 downto 0));

  drain : process (clk)
  begin
    if rising_edge(clk) then
      e_valid <= draining;
      e_acc   <= element(dsums_r, dp_r, ACC_BITS);
      e_side  <= element(dside_r, dp_r, DATA_BITS);
      e_tag   <= std_logic_vector(to_unsigned(cm_r, IDX_BITS))
                 & std_logic_vector(to_unsigned(cn0_r + dp_r, IDX_BITS));
      if pass_end = '1' then
        draining <= '0';
      elsif draining = '1' then
        dp_r <= dp_r + 1;
      end if;
      if sums_v = '1' then
        dsums_r  <= sums;
        dside_r  <= side_r;
        cm_r     <= dm_r;
        cn0_r    <= dn0_r;
        cused_r  <= used(op_r.n, dn0_r);
        dp_r     <= 0;
        draining <= '1';
        if dn0_r + LANES < op_r.n then
          dn0_r <= dn0_r + LANES;
        else
          dn0_r <= 0;
          dm_r  <= dm_r + 1;
        end if;
      end if;
      if state_r = START_s then
        dm_r  <= 0;
        dn0_r <= 0;
      end if;
      if rst = '1' then
        draining <= '0';
      end if;
    end if;
  end process drain;

  channel_rom : entity resq.resq_engine_rom
    generic map (DEPTH => CHANNEL_DEPTH, WIDTH => CHANNEL_c, STYLE => "auto", INIT => CHANNELS)
    port map (clk => clk, we => '0', w_addr => 0, w_data => (others => '0'),
              r_addr => c_raddr, r_data => c_data);

  chain : entity resq.resq_engine_chain
    generic map (ACC_BITS => ACC_BITS, DATA_BITS => DATA_BITS, T_BITS => T_BITS,
                 ADD_BITS => ADD_BITS, BN_BITS => BN_BITS, BNA_BITS => BNA_BITS,
                 TAG_BITS => TAG_BITS_c, SHIFT_MIN => SHIFT_MIN, SHIFT_BITS => SHIFT_BITS,
                 ADD_SHIFT_MIN => ADD_SHIFT_MIN, ADD_SHIFT_BITS => ADD_SHIFT_BITS,
                 BN_SHIFT_MIN => BN_SHIFT_MIN, BN_SHIFT_BITS => BN_SHIFT_BITS,
                 MULT_STYLE => MULT_STYLE, ADD_STYLE => MULT_STYLE,
                 BN_STYLE => "lut")
    port map (clk => clk, op => op_r, in_valid => e_valid, in_acc => e_acc,
              in_bias => signed(c_data(ACC_BITS - 1 downto 0)), in_side => e_side,
              in_bn_a => signed(c_data(ACC_BITS + BNA_BITS - 1 downto ACC_BITS)),
              in_bn_c => signed(c_data(CHANNEL_c - 1 downto ACC_BITS + BNA_BITS)),
              in_tag => e_tag, out_valid => ch_valid, out_y => ch_y, out_t => ch_t,
              out_tag => ch_tag, busy => ch_busy);

  ch_m <= to_integer(unsigned(ch_tag(TAG_BITS_c - 1 downto IDX_BITS)));
  ch_n <= to_integer(unsigned(ch_tag(IDX_BITS - 1 downto 0)));

  sm_in   <= ch_valid when op_r.scores else '0';
  sm_last <= '1' when ch_n = op_r.n - 1 else '0';

  softmax : entity resq.resq_engine_softmax
    generic map (MAX_LEN => MAX_LEN, T_BITS => T_BITS, PROB_BITS => PROB_BITS,
                 FRAC_BITS => FRAC_BITS, EXP_BITS => EXP_BITS, EXP2_TABLE => EXP2_TABLE)
    port map (clk => clk, clear => sm_clear, len => minimum(op_r.n, MAX_LEN), in_valid => sm_in,
              in_t => ch_t, in_last => sm_last, out_valid => sm_valid, out_row => sm_row,
              out_col => sm_col, out_p => sm_p, rows_taken => sm_taken, idle => sm_idle);

  -- The tensor memory's one write: a probability, or the chain's element.
  ch_store <= ch_valid when not (op_r.scores or op_r.out_y) else '0';
  wr_en    <= sm_valid or ch_store;
  wr_base <= op_r.p_base when sm_valid = '1' else op_r.out_base;
  wr_wl   <= op_r.p_wl when sm_valid = '1' else op_r.out_wl;
  wr_row  <= sm_row when sm_valid = '1' else ch_m;
  wr_col  <= sm_col when sm_valid = '1' else op_r.out_off + ch_n;
  wr_data <= std_logic_vector(resize(signed('0' & sm_p), DATA_BITS)) when sm_valid = '1' else
             std_logic_vector(ch_y);

  output : process (clk)
  begin
    if rising_edge(clk) then
      if ch_valid = '1' and op_r.out_y then
        for i in 0 to Y_COUNT - 1 loop
          if i = ch_n then
            y_r((i + 1) * Y_BITS - 1 downto i * Y_BITS) <= std_logic_vector(ch_y(Y_BITS - 1 downto 0));
          end if;
        end loop;
      end if;
    end if;
  end process output;

end architecture rtl;
