// greater(a, b): a > b on GREATER_W-bit operands, decided one bit at a time
// from the least significant end. With a constant operand this folds into a
// few LUTs, where a plain compare costs a carry chain as wide as its
// operands (one logic cell a bit). Included inside a module that sets
// `localparam integer GREATER_W` first.
function greater(input [GREATER_W-1:0] a, input [GREATER_W-1:0] b);
    integer k;
    begin
        greater = 1'b0;
        for (k = 0; k < GREATER_W; k = k + 1) begin
            greater = (a[k] & ~b[k]) | (~(a[k] ^ b[k]) & greater);
        end
    end
endfunction
