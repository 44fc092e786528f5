"""An independent safetensors reader (stdlib only), used by the tests to check Lethe's files the way the Python
`safetensors` library reads them: header length, JSON header, dtypes, shapes, contiguous data offsets."""
import json
import struct
import sys

SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

with open(sys.argv[1], "rb") as f:
    data = f.read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
metadata = header.pop("__metadata__", {})
buffer = data[8 + n:]
end = 0
summary = {}
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
    begin, stop = info["data_offsets"]
    count = 1
    for d in info["shape"]:
        count *= d
    assert begin == end, f"{name}: data not contiguous ({begin} != {end})"
    assert stop - begin == count * SIZES[info["dtype"]], f"{name}: size does not match dtype and shape"
    end = stop
    fmt = {"F32": "f", "I32": "i"}[info["dtype"]]
    values = struct.unpack("<%d%s" % (count, fmt), buffer[begin:stop])
    summary[name] = {"dtype": info["dtype"], "shape": info["shape"], "sum": float(sum(values))}
assert end == len(buffer), "data buffer has trailing bytes"
print(json.dumps({"metadata": metadata, "tensors": summary}))
