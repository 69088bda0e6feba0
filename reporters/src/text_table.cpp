#include "text_table.h"

#include <algorithm>

namespace mutagen::internal {

size_t display_width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x1B && i + 1 < s.size() && s[i + 1] == '[') {  // an ANSI colour: no width
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++w;
  }
  return w;
}

void TextTable::print(std::ostream& out, const std::string& indent) const {
  std::vector<size_t> width(columns_.size(), 0);
  for (size_t c = 0; c < columns_.size(); ++c) width[c] = display_width(columns_[c].title);
  for (const auto& row : rows_)
    for (size_t c = 0; c < std::min(row.size(), width.size()); ++c)
      width[c] = std::max(width[c], display_width(row[c]));
  auto line = [&](auto cell_of) {
    std::string text = indent;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string cell = cell_of(c);
      const std::string pad(width[c] - display_width(cell), ' ');
      if (c > 0) text += "  ";
      text += columns_[c].align == Align::kRight ? pad + cell : cell + pad;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << "\n";
  };
  line([&](size_t c) { return columns_[c].title; });
  for (const auto& row : rows_)
    line([&](size_t c) { return c < row.size() ? row[c] : std::string(); });
}

}  // namespace mutagen::internal
