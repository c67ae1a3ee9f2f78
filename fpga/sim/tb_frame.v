`timescale 1ns / 1ps
`default_nettype none
// Link framing against the golden vectors of docs/protocol.md, read from
// tests/data/link-vectors.txt (+vectors=PATH): every "ok" frame decodes to
// its type, seq, length and payload; "crc_error" rows are rejected with one
// CRC error and nothing delivered; "resync:NAME" rows deliver exactly NAME.
// frame_tx, fed each f2h payload in file order (SEQ 0, 1, 2, ...), must
// reproduce the f2h frames byte for byte. Also: the 1000-tick time-out and
// an oversize LEN.
module tb_frame;
    reg clk = 1'b0;
    reg rst = 1'b1;
    always #41.667 clk = ~clk;

    integer errors = 0;
    task fail(input [8*64:1] what);
        begin
            $display("FAIL: %0s", what);
            errors = errors + 1;
        end
    endtask

    `include "link_vectors.vh"

    // ---- decoder -------------------------------------------------------
    reg          tick = 1'b0;
    reg  [7:0]   in_data = 8'd0;
    reg          in_valid = 1'b0;
    wire         frame_valid, crc_error, dropped;
    wire [7:0]   frame_type, frame_seq;
    wire [6:0]   frame_len;
    wire         rx_pl_valid;
    wire [6:0]   rx_pl_index;
    wire [7:0]   rx_pl_data;
    frame_rx #(.TIMEOUT_TICKS(1000)) dut_rx (
        .clk(clk), .rst(rst), .tick(tick), .in_data(in_data), .in_valid(in_valid),
        .frame_valid(frame_valid), .frame_type(frame_type), .frame_seq(frame_seq),
        .frame_len(frame_len), .pl_valid(rx_pl_valid), .pl_index(rx_pl_index), .pl_data(rx_pl_data),
        .crc_error(crc_error), .dropped(dropped)
    );

    // The payload as it streams past: indices 0, 1, 2, ... within a frame.
    reg [191:0] payload = 192'd0;
    reg [6:0]   rx_pl_next = 7'd0;
    always @(posedge clk) begin
        if (rx_pl_valid) begin
            if (rx_pl_index != 7'd0 && rx_pl_index != rx_pl_next) fail("payload byte out of order");
            if (rx_pl_index < 7'd24) payload[8 * rx_pl_index +: 8] <= rx_pl_data;
            rx_pl_next <= rx_pl_index + 1'b1;
        end
    end

    integer n_frames = 0, n_crc = 0, n_drop = 0;
    reg [7:0]   got_type, got_seq;
    reg [6:0]   got_len;
    reg [191:0] got_payload;
    always @(posedge clk) begin
        if (frame_valid) begin
            n_frames <= n_frames + 1;
            got_type <= frame_type;
            got_seq <= frame_seq;
            got_len <= frame_len;
            got_payload <= payload;
        end
        if (crc_error) n_crc <= n_crc + 1;
        if (dropped) n_drop <= n_drop + 1;
    end

    task feed(input integer v);
        integer i;
        begin
            for (i = 0; i < vlen[v]; i = i + 1) begin
                @(negedge clk);
                in_data = vbytes[v*MAXB + i];
                in_valid = 1'b1;
                @(negedge clk);
                in_valid = 1'b0;
                repeat (2) @(negedge clk);
            end
            repeat (4) @(negedge clk);
        end
    endtask

    task expect_frame(input integer v);
        integer i;
        begin
            if (got_type != vbytes[v*MAXB + 2] || got_seq != vbytes[v*MAXB + 3] ||
                got_len != vbytes[v*MAXB + 4][6:0])
                fail("decoded header differs from the vector");
            for (i = 0; i < got_len && i < 24; i = i + 1)
                if (got_payload[8*i +: 8] != vbytes[v*MAXB + 5 + i]) fail("decoded payload differs");
        end
    endtask

    // ---- encoder -------------------------------------------------------
    reg        send = 1'b0;
    reg [7:0]  send_type = 8'd0;
    reg [6:0]  send_len = 7'd0;
    wire       busy, pl_req;
    wire [6:0] pl_index;
    reg        pl_ack = 1'b0;
    reg [7:0]  pl_byte = 8'd0;
    wire [7:0] tx_data;
    wire       tx_valid;
    reg        tx_ready = 1'b0;
    frame_tx dut_tx (
        .clk(clk), .rst(rst), .send(send), .type_in(send_type), .len_in(send_len),
        .busy(busy), .pl_req(pl_req), .pl_index(pl_index), .pl_ack(pl_ack), .pl_byte(pl_byte),
        .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready)
    );

    integer cur = 0;       // vector being encoded
    integer out_n = 0;
    reg [7:0] out_bytes [0:MAXB-1];
    integer ready_count = 0;
    // A UART-like sink: takes one byte every 40 clocks.
    always @(posedge clk) begin
        ready_count <= (ready_count == 39) ? 0 : ready_count + 1;
        tx_ready <= (ready_count == 39);
        if (tx_valid && tx_ready) begin
            out_bytes[out_n] <= tx_data;
            out_n <= out_n + 1;
        end
    end
    // Payload answers after a few clocks, from the vector.
    always @(posedge clk) begin
        pl_ack <= 1'b0;
        if (pl_req) begin
            repeat (3) @(posedge clk);
            pl_byte <= vbytes[cur*MAXB + 5 + pl_index];
            pl_ack <= 1'b1;
        end
    end

    task encode(input integer v);
        integer i;
        begin
            cur = v;
            out_n = 0;
            @(negedge clk);
            send_type = vbytes[v*MAXB + 2];
            send_len = vbytes[v*MAXB + 4][6:0];
            send = 1'b1;
            @(negedge clk);
            send = 1'b0;
            @(negedge clk);
            while (busy) @(negedge clk);
            repeat (50) @(negedge clk);
            if (out_n != vlen[v]) fail("encoded frame length differs");
            for (i = 0; i < vlen[v]; i = i + 1)
                if (out_bytes[i] !== vbytes[v*MAXB + i]) begin
                    $display("  %0s byte %0d: got %h want %h", vname[v], i, out_bytes[i], vbytes[v*MAXB + i]);
                    fail("encoded byte differs from the vector");
                end
        end
    endtask

    integer v, before_f, before_c, target, checked_ok, checked_enc;
    initial begin
        load_vectors();
        if (nv < 20) fail("too few vectors");
        repeat (4) @(negedge clk);
        rst = 1'b0;
        checked_ok = 0;
        checked_enc = 0;
        for (v = 0; v < nv; v = v + 1) begin
            before_f = n_frames;
            before_c = n_crc;
            feed(v);
            if (vres[v] == "ok") begin
                if (n_frames != before_f + 1 || n_crc != before_c) fail("good frame not delivered once");
                else expect_frame(v);
                checked_ok = checked_ok + 1;
            end else if (vres[v] == "crc_error") begin
                if (n_frames != before_f || n_crc != before_c + 1) fail("corrupt frame not rejected by CRC");
            end else begin
                // resync:NAME
                target = find(after_colon(vres[v]));
                if (target < 0) fail("resync target unknown");
                else if (n_frames != before_f + 1) fail("resync did not deliver one frame");
                else expect_frame(target);
            end
        end
        for (v = 0; v < nv; v = v + 1) begin
            if (vdir[v] == "f2h" && vres[v] == "ok") begin
                encode(v);
                checked_enc = checked_enc + 1;
            end
        end
        // Time-out: a frame stalled for more than 1000 ticks is dropped.
        before_f = n_frames;
        @(negedge clk); in_data = 8'ha5; in_valid = 1'b1; @(negedge clk); in_valid = 1'b0;
        @(negedge clk); in_data = 8'h5a; in_valid = 1'b1; @(negedge clk); in_valid = 1'b0;
        @(negedge clk); in_data = 8'h01; in_valid = 1'b1; @(negedge clk); in_valid = 1'b0;
        begin : ticks
            integer t;
            for (t = 0; t < 1002; t = t + 1) begin
                @(negedge clk); tick = 1'b1; @(negedge clk); tick = 1'b0;
            end
        end
        if (n_drop < 1) fail("stalled frame not dropped after 1000 ticks");
        feed(find("identify"));
        if (n_frames != before_f + 1) fail("frame after a time-out not decoded");
        $display("checked %0d decodes, %0d encodes, %0d drops", checked_ok, checked_enc, n_drop);
        if (checked_enc != 7) fail("expected 7 f2h frames");
        if (errors == 0) $display("PASS");
        $finish;
    end
endmodule
`default_nettype wire
