// Golden link vectors (docs/protocol.md) for the testbenches, loaded from
// tests/data/link-vectors.txt given as +vectors=PATH. Included inside a
// testbench module, which provides the task fail(what).
    localparam integer NV = 32, MAXB = 96;
    reg [7:0]     vbytes [0:NV*MAXB-1];
    integer       vlen [0:NV-1];
    reg [8*24:1]  vname [0:NV-1];
    reg [8*4:1]   vdir [0:NV-1];
    reg [8*24:1]  vres [0:NV-1];
    integer       nv = 0;

    function [3:0] hexval(input [7:0] c);
        hexval = (c >= "a") ? c - "a" + 10 : (c >= "A") ? c - "A" + 10 : c - "0";
    endfunction

    task load_vectors;
        reg [8*1024:1] path;
        reg [8*400:1]  hex;
        integer        fd, r, i, nchars;
        begin
            if (!$value$plusargs("vectors=%s", path)) begin
                $display("FAIL: no +vectors=PATH");
                $finish;
            end
            fd = $fopen(path, "r");
            if (fd == 0) begin
                $display("FAIL: cannot open vectors");
                $finish;
            end
            while (!$feof(fd)) begin
                hex = 0;
                r = $fscanf(fd, "%s %s %s %s\n", vname[nv], vdir[nv], vres[nv], hex);
                if (r == 4) begin
                    nchars = 0;
                    while (nchars < 400 && hex[8*nchars+1 +: 8] != 0) nchars = nchars + 1;
                    vlen[nv] = nchars / 2;
                    for (i = 0; i < nchars / 2; i = i + 1)
                        vbytes[nv*MAXB + i] = {hexval(hex[8*(nchars-2*i)-7 +: 8]),
                                               hexval(hex[8*(nchars-2*i)-15 +: 8])};
                    nv = nv + 1;
                end
            end
            $fclose(fd);
        end
    endtask

    function integer find(input [8*24:1] name);
        integer i;
        begin
            find = -1;
            for (i = 0; i < nv; i = i + 1) if (vname[i] == name) find = i;
        end
    endfunction

    // "resync:NAME" -> "NAME" (strings are right-aligned in the register).
    function [8*24:1] after_colon(input [8*24:1] s);
        integer i, len;
        begin
            len = 0;
            for (i = 0; i < 24; i = i + 1) if (s[8*i+1 +: 8] != 0) len = i + 1;
            after_colon = 0;
            for (i = 0; i < len - 7; i = i + 1) after_colon[8*i+1 +: 8] = s[8*i+1 +: 8];
        end
    endfunction

