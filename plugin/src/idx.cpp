// IDX files (LeCun's MNIST format), plain or gzip-compressed (the name ends in .gz), read and
// written whole in memory. Only the unsigned-byte type (0x08) is supported: that is what image data
// sets use.
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "mutagen/io.h"

namespace fs = std::filesystem;

namespace mutagen {
namespace {

constexpr uint64_t kMaxElements = uint64_t{1} << 40;

bool gz_name(const std::string& path) {
  return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

std::string hex_byte(unsigned char b) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// What the beginning of an IDX file declares: the whole file's size (header + payload), 0 while the
// header is incomplete, kBadHeader when it is invalid (read_idx then says why).
constexpr uint64_t kBadHeader = ~uint64_t{0};

uint64_t declared_size(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4) return 0;
  if (p[0] != 0 || p[1] != 0 || p[2] != 0x08 || p[3] == 0) return kBadHeader;
  const size_t header = 4 + 4 * static_cast<size_t>(p[3]);
  if (bytes.size() < header) return 0;
  uint64_t count = 1;
  for (size_t d = 0; d < p[3]; ++d) {
    const unsigned char* q = p + 4 + 4 * d;
    const uint64_t size =
        (uint64_t{q[0]} << 24) | (uint64_t{q[1]} << 16) | (uint64_t{q[2]} << 8) | q[3];
    if (size == 0 || size > kMaxElements / count) return kBadHeader;
    count *= size;
  }
  return header + count;
}

// Decompresses no further than the header declares: a small .gz cannot expand into gigabytes of
// trailing data, nor into anything at all behind a bad header.
std::string read_gzip(const std::string& path) {
  {
    std::ifstream probe(path, std::ios::binary);
    unsigned char magic[2] = {0, 0};
    probe.read(reinterpret_cast<char*>(magic), 2);
    if (!probe || magic[0] != 0x1f || magic[1] != 0x8b)
      throw Error("IDX file '" + path +
                  "': not a gzip file (the name ends in .gz but it does not " +
                  "start with the gzip signature 0x1f 0x8b)");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("IDX file '" + path + "': cannot open (not readable)");
  gzbuffer(f, 1 << 17);
  std::string out;
  std::vector<char> buf(1 << 20);
  auto corrupt = [&](const std::string& detail) {
    gzclose(f);
    return Error("IDX file '" + path + "': corrupt gzip data (" + detail + ")");
  };
  for (;;) {
    const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    int errnum = Z_OK;
    const char* msg = gzerror(f, &errnum);
    if (n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END))
      throw corrupt(msg ? msg : "read error");
    if (n == 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
    const uint64_t need = declared_size(out);
    if (need == kBadHeader) {
      gzclose(f);
      return out;
    }
    if (need != 0 && out.size() > need) {
      gzclose(f);
      throw Error("IDX file '" + path + "': oversized payload: the dimensions need " +
                  std::to_string(need - 4 - 4 * uint64_t{static_cast<unsigned char>(out[3])}) +
                  " bytes, the decompressed data holds more (trailing data)");
    }
  }
  const int rc = gzclose(f);
  if (rc != Z_OK) {
    throw Error("IDX file '" + path + "': corrupt gzip data (" +
                (rc == Z_BUF_ERROR ? std::string("unexpected end of file") : "close failed") + ")");
  }
  return out;
}

std::string read_bytes(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("IDX file '" + path + "': missing (no such file)");
  if (fs::is_directory(path, ec)) throw Error("IDX file '" + path + "': is a folder, not a file");
  if (gz_name(path)) return read_gzip(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("IDX file '" + path + "': cannot open (not readable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("IDX file '" + path + "': read error");
  return ss.str();
}

std::string gzip(const std::string& data, const std::string& path) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("cannot write IDX file '" + path + "': zlib initialisation failed");
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END)
    throw Error("cannot write IDX file '" + path + "': gzip compression failed");
  out.resize(written);
  return out;
}

}  // namespace

torch::Tensor read_idx(const std::string& path) {
  const std::string bytes = read_bytes(path);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4)
    throw Error("IDX file '" + path + "': truncated header (" + std::to_string(bytes.size()) +
                " bytes, the magic number alone takes 4)");
  if (p[0] != 0 || p[1] != 0 || p[2] != 0x08)
    throw Error("IDX file '" + path + "': wrong magic " + hex_byte(p[0]) + " " + hex_byte(p[1]) +
                " " + hex_byte(p[2]) + " " + hex_byte(p[3]) +
                ", expected 0x00 0x00 0x08 <ndim> (unsigned-byte IDX)");
  const int ndim = p[3];
  if (ndim == 0)
    throw Error("IDX file '" + path + "': bad dimensions: the header declares 0 dimensions");
  const size_t header = 4 + 4 * static_cast<size_t>(ndim);
  if (bytes.size() < header)
    throw Error("IDX file '" + path + "': truncated header (" + std::to_string(ndim) +
                " dimensions need " + std::to_string(header) + " bytes, the file has " +
                std::to_string(bytes.size()) + ")");
  std::vector<int64_t> dims;
  uint64_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    const unsigned char* q = p + 4 + 4 * d;
    const uint64_t size =
        (uint64_t{q[0]} << 24) | (uint64_t{q[1]} << 16) | (uint64_t{q[2]} << 8) | q[3];
    if (size == 0)
      throw Error("IDX file '" + path + "': bad dimensions: dimension " + std::to_string(d) +
                  " is 0");
    if (size > kMaxElements / count)  // checked before multiplying: count * size may overflow
      throw Error("IDX file '" + path + "': bad dimensions: more than 2^40 elements declared");
    count *= size;
    dims.push_back(static_cast<int64_t>(size));
  }
  const uint64_t payload = bytes.size() - header;
  if (payload < count)
    throw Error("IDX file '" + path + "': truncated payload: the dimensions need " +
                std::to_string(count) + " bytes, the file has " + std::to_string(payload));
  if (payload > count)
    throw Error("IDX file '" + path + "': oversized payload: the dimensions need " +
                std::to_string(count) + " bytes, the file has " + std::to_string(payload) +
                " (trailing data)");
  torch::Tensor t = torch::empty(dims, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), p + header, count);
  return t;
}

void write_idx(const std::string& path, const torch::Tensor& data) {
  if (!data.defined()) throw Error("cannot write IDX file '" + path + "': the tensor is undefined");
  if (data.scalar_type() != torch::kUInt8)
    throw Error("cannot write IDX file '" + path + "': expected a uint8 tensor, got " +
                std::string(c10::toString(data.scalar_type())));
  if (data.dim() < 1 || data.dim() > 255)
    throw Error("cannot write IDX file '" + path + "': expected 1 to 255 dimensions, got " +
                std::to_string(data.dim()));
  std::string out;
  out.reserve(4 + 4 * data.dim() + data.numel());
  out.push_back(0);
  out.push_back(0);
  out.push_back(0x08);
  out.push_back(static_cast<char>(data.dim()));
  for (int64_t d = 0; d < data.dim(); ++d) {
    const int64_t size = data.size(d);
    if (size <= 0 || size > int64_t{0xffffffff})
      throw Error("cannot write IDX file '" + path + "': dimension " + std::to_string(d) + " is " +
                  std::to_string(size) + ", expected 1 to 2^32-1");
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  const torch::Tensor c = data.to(torch::kCPU).contiguous();
  out.append(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), static_cast<size_t>(c.numel()));
  write_file_atomic(path, gz_name(path) ? gzip(out, path) : out);
}

}  // namespace mutagen
