// Reads the properties of one layer's features from a Mapbox Vector Tile (protobuf, spec 2.1).
// Geometry is skipped: the radius panel needs only each record's fields and its centroid.

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.pos = 0;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  varint() {
    let result = 0;
    let factor = 1;
    for (;;) {
      const byte = this.bytes[this.pos++];
      result += (byte & 0x7f) * factor;
      if (byte < 0x80) return result;
      factor *= 128;
    }
  }
  key() {
    const key = this.varint();
    return [Math.floor(key / 8), key & 7];
  }
  bytesField() {
    const length = this.varint();
    const start = this.pos;
    this.pos += length;
    return this.bytes.subarray(start, this.pos);
  }
  skip(wireType) {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) {
      const length = this.varint();  // read before adding: `pos += varint()` would lose its bytes
      this.pos += length;
    }
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`vector tile: unknown wire type ${wireType}`);
  }
}

const utf8 = new TextDecoder();

function zigzag(n) {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function decodeValue(bytes) {
  const r = new Reader(bytes);
  let value = null;
  while (r.pos < bytes.length) {
    const [field, wireType] = r.key();
    if (field === 1) value = utf8.decode(r.bytesField());
    else if (field === 2) { value = r.view.getFloat32(r.pos, true); r.pos += 4; }
    else if (field === 3) { value = r.view.getFloat64(r.pos, true); r.pos += 8; }
    else if (field === 4) {
      const raw = r.varint();  // int64: negative values arrive as 10-byte two's complement
      value = raw >= 2 ** 63 ? raw - 2 ** 64 : raw;
    }
    else if (field === 5) value = r.varint();
    else if (field === 6) value = zigzag(r.varint());
    else if (field === 7) value = r.varint() !== 0;
    else r.skip(wireType);
  }
  return value;
}

function decodeFeatureTags(bytes) {
  const r = new Reader(bytes);
  let tags = [];
  let type = 0;
  while (r.pos < bytes.length) {
    const [field, wireType] = r.key();
    if (field === 2) {
      const packed = new Reader(r.bytesField());
      while (packed.pos < packed.bytes.length) tags.push(packed.varint());
    } else if (field === 3) type = r.varint();
    else r.skip(wireType);
  }
  return { tags, type };
}

// [{type, properties}] of the features of `layerName` in the tile (empty if it has none).
export function layerProperties(buffer, layerName) {
  const tile = new Reader(new Uint8Array(buffer));
  while (tile.pos < tile.bytes.length) {
    const [field, wireType] = tile.key();
    if (field !== 3) { tile.skip(wireType); continue; }
    const layer = new Reader(tile.bytesField());
    let name = null;
    const features = [], keys = [], values = [];
    while (layer.pos < layer.bytes.length) {
      const [lf, lw] = layer.key();
      if (lf === 1) name = utf8.decode(layer.bytesField());
      else if (lf === 2) features.push(layer.bytesField());
      else if (lf === 3) keys.push(utf8.decode(layer.bytesField()));
      else if (lf === 4) values.push(decodeValue(layer.bytesField()));
      else layer.skip(lw);
    }
    if (name !== layerName) continue;
    return features.map((bytes) => {
      const { tags, type } = decodeFeatureTags(bytes);
      const properties = {};
      for (let i = 0; i + 1 < tags.length; i += 2) properties[keys[tags[i]]] = values[tags[i + 1]];
      return { type, properties };
    });
  }
  return [];
}
