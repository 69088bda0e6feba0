#pragma once
// A plain-text table with aligned columns for the console reporter.
#include <ostream>
#include <string>
#include <vector>

namespace mutagen::internal {

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string title;
    Align align = Align::kLeft;
  };
  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}
  // Missing cells are blank; extra cells are an error of the caller (ignored).
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  size_t rows() const { return rows_.size(); }
  // Header, then rows; columns separated by two spaces, trailing blanks trimmed.
  void print(std::ostream& out, const std::string& indent = "  ") const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text (code points; every one counted as one column; ANSI colours none).
size_t display_width(const std::string& s);

}  // namespace mutagen::internal
