// Python tokenizer for similarity.
//
// Plagiarism that survives a TA's glance changes what is cheap to change:
// names, comments, blank lines, messages and numbers. So the stream keeps
// what carries structure and drops or merges the rest:
// - Comments are dropped. So is any statement that is only a string (a
//   docstring, or a string used as a comment), since it never runs.
// - Every identifier becomes one kind, ID, except built-in names such as
//   print, len and range: a student cannot rename those, and keeping them
//   separates programs that share a shape but call different built-ins.
// - Every number becomes NUM and every string STR, in all its forms:
//   prefixes (r, b, u, f, t and their combinations), single and triple
//   quotes, and f-strings, whose {expressions} may contain nested strings.
// - Keywords and operators keep their own kinds.
// - Indentation is turned into INDENT and DEDENT tokens and the end of each
//   logical line into NEWLINE, as Python's own tokenizer does. Within
//   brackets and after a backslash a line break is not a NEWLINE, so
//   re-wrapping a long call changes nothing.
// Errors do not stop the tokenizer. An unterminated string ends at the end of
// its line (or of the file, for triple quotes). An unmatched bracket or an
// unknown character is reported and skipped. An inconsistent dedent starts a
// new indentation level. Tabs count to the next multiple of 8
// columns, as in CPython; a file that indents with both tabs and spaces gets
// one issue, since the same text may look differently nested to its author.
#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "exam/similarity/tokenizer.h"

namespace exam::similarity {
namespace {

enum SpecialKind : uint32_t { kNewline = 0, kIndent, kDedent, kName, kNumber, kString };

constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

// Built-in functions and types that exam code calls; a call to one of these
// cannot be disguised by renaming.
constexpr std::array<std::string_view, 34> kBuiltins = {
    "abs",    "all",   "any",  "bool",       "chr",   "dict",  "enumerate", "filter", "float",
    "format", "input", "int",  "isinstance", "iter",  "len",   "list",      "map",    "max",
    "min",    "next",  "open", "ord",        "print", "range", "reversed",  "round",  "set",
    "sorted", "str",   "sum",  "super",      "tuple", "type",  "zip"};

// Longest first within each length, so the scanner can try them in order.
constexpr std::array<std::string_view, 47> kOperators = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>", "<=",
    ">=",  "==",  "!=",  "+=",  "-=",  "*=", "/=", "%=", "&=", "|=", "^=", "@=",
    "+",   "-",   "*",   "/",   "%",   "@",  "&",  "|",  "^",  "~",  "<",  ">",
    "(",   ")",   "[",   "]",   "{",   "}",  ",",  ":",  ";",  ".",  "="};

class KindTable {
 public:
  KindTable() {
    for (std::string_view name : {"NEWLINE", "INDENT", "DEDENT", "ID", "NUM", "STR"}) {
      Add(name);
    }
    for (std::string_view keyword : kKeywords) {
      Add(keyword);
    }
    for (std::string_view builtin : kBuiltins) {
      builtin_kinds_.emplace(builtin, Add(builtin));
    }
    for (std::string_view op : kOperators) {
      operator_kinds_.push_back(Add(op));
    }
  }

  // Returns the kind of kOperators[index].
  uint32_t OperatorKind(std::size_t index) const { return operator_kinds_[index]; }

  // Returns the kind of a keyword or an operator, or kName when `text` is neither.
  uint32_t Lookup(std::string_view text) const {
    const auto found = kinds_.find(text);
    if (found == kinds_.end() || builtin_kinds_.contains(text)) {
      return kName;
    }
    return found->second;
  }

  // Returns the kind of a built-in name, or kName.
  uint32_t LookupBuiltin(std::string_view text) const {
    const auto found = builtin_kinds_.find(text);
    return found == builtin_kinds_.end() ? kName : found->second;
  }

  std::string Name(uint32_t kind) const {
    return kind < names_.size() ? std::string(names_[kind]) : "KIND" + std::to_string(kind);
  }

 private:
  uint32_t Add(std::string_view name) {
    const auto kind = static_cast<uint32_t>(names_.size());
    names_.push_back(name);
    kinds_.emplace(name, kind);
    return kind;
  }

  std::vector<std::string_view> names_;
  std::unordered_map<std::string_view, uint32_t> kinds_;
  std::unordered_map<std::string_view, uint32_t> builtin_kinds_;
  std::vector<uint32_t> operator_kinds_;
};

const KindTable& Kinds() {
  static const KindTable table;
  return table;
}

bool IsNameStart(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || byte == '_' ||
         byte >= 0x80;
}

bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Returns true for the prefixes Python allows before a string literal.
bool IsStringPrefix(std::string_view name) {
  if (name.empty() || name.size() > 2) {
    return false;
  }
  std::string lower;
  for (char c : name) {
    lower.push_back(static_cast<char>(c | 0x20));
  }
  static constexpr std::array<std::string_view, 11> kPrefixes = {"r",  "u",  "b",  "f",  "t", "br",
                                                                 "rb", "fr", "rf", "tr", "rt"};
  for (std::string_view prefix : kPrefixes) {
    if (lower == prefix) {
      return true;
    }
  }
  return false;
}

class Lexer {
 public:
  Lexer(std::string_view text, uint32_t file, TokenizeOutput& output)
      : text_(text), file_(file), out_(output) {}

  void Run() {
    logical_start_ = out_.tokens.size();
    while (pos_ < text_.size()) {
      if (at_line_start_ && depth_ == 0) {
        at_line_start_ = false;
        if (!ReadIndentation()) {
          continue;
        }
      }
      Step();
    }
    EndLogicalLine();
    if (depth_ > 0) {
      Issue(Here(), "unclosed bracket at the end of the file");
    }
    while (indents_.size() > 1) {
      indents_.pop_back();
      Emit(kDedent, Here(), Here());
    }
  }

 private:
  char Peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  Position Here() const { return {line_, column_}; }

  void Advance() {
    const char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }

  void Advance(std::size_t count) {
    for (std::size_t i = 0; i < count && pos_ < text_.size(); ++i) {
      Advance();
    }
  }

  void Emit(uint32_t kind, Position begin, Position end) {
    out_.tokens.push_back({kind, file_, begin, end});
  }

  void Issue(Position where, std::string message) {
    out_.issues.push_back({where, std::move(message)});
  }

  // Measures the indentation of a physical line and emits INDENT or DEDENT
  // tokens. Returns false when the line is blank or only a comment, which
  // Step then consumes without touching the indentation.
  bool ReadIndentation() {
    uint32_t width = 0;
    bool tabs = false;
    bool spaces = false;
    while (pos_ < text_.size()) {
      const char c = Peek();
      if (c == ' ') {
        ++width;
        spaces = true;
      } else if (c == '\t') {
        width = (width / 8 + 1) * 8;
        tabs = true;
      } else if (c == '\f') {
        width = 0;
      } else {
        break;
      }
      Advance();
    }
    const char next = Peek();
    if (pos_ >= text_.size() || next == '\n' || next == '#' || (next == '\\' && Peek(1) == '\n')) {
      return false;
    }

    NoteIndentationStyle(tabs, spaces);
    if (width > indents_.back()) {
      indents_.push_back(width);
      Emit(kIndent, Here(), Here());
    } else {
      while (width < indents_.back()) {
        indents_.pop_back();
        Emit(kDedent, Here(), Here());
      }
      if (width != indents_.back()) {
        Issue(Here(), "unindent does not match any outer indentation level");
        indents_.push_back(width);
      }
    }
    logical_start_ = out_.tokens.size();
    return true;
  }

  void NoteIndentationStyle(bool tabs, bool spaces) {
    if (tabs) {
      seen_tab_indent_ = true;
    }
    if (spaces) {
      seen_space_indent_ = true;
    }
    if (seen_tab_indent_ && seen_space_indent_ && !reported_mixed_indent_) {
      reported_mixed_indent_ = true;
      Issue({line_, 1},
            "indentation mixes tabs and spaces; tabs were counted to the next multiple of 8 "
            "columns");
    }
  }

  // Ends a logical line: drops it when it is only a string (a docstring or
  // a string used as a comment), otherwise emits NEWLINE.
  void EndLogicalLine() {
    if (out_.tokens.size() == logical_start_) {
      return;
    }
    bool only_strings = true;
    for (std::size_t i = logical_start_; i < out_.tokens.size(); ++i) {
      if (out_.tokens[i].kind != kString) {
        only_strings = false;
        break;
      }
    }
    if (only_strings) {
      out_.tokens.resize(logical_start_);
      return;
    }
    Emit(kNewline, Here(), Here());
    logical_start_ = out_.tokens.size();
  }

  void Step() {
    const char c = Peek();
    if (c == ' ' || c == '\t' || c == '\f') {
      Advance();
      return;
    }
    if (c == '\n') {
      if (depth_ == 0) {
        EndLogicalLine();
        at_line_start_ = true;
      }
      Advance();
      return;
    }
    if (c == '#') {
      while (pos_ < text_.size() && Peek() != '\n') {
        Advance();
      }
      return;
    }
    if (c == '\\' && Peek(1) == '\n') {
      Advance(2);
      return;
    }
    if (IsNameStart(c)) {
      ScanName();
      return;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
      ScanNumber();
      return;
    }
    if (c == '"' || c == '\'') {
      const Position begin = Here();
      ScanString(begin, false, false);
      return;
    }
    ScanOperator();
  }

  void ScanName() {
    const Position begin = Here();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(Peek())) {
      Advance();
    }
    const std::string_view name = text_.substr(start, pos_ - start);
    if ((Peek() == '"' || Peek() == '\'') && IsStringPrefix(name)) {
      const bool raw = name.find_first_of("rR") != std::string_view::npos;
      const bool formatted = name.find_first_of("fFtT") != std::string_view::npos;
      ScanString(begin, raw, formatted);
      return;
    }

    uint32_t kind = Kinds().Lookup(name);
    static const uint32_t kDot = Kinds().Lookup(".");
    const bool after_dot = out_.tokens.size() > logical_start_ && out_.tokens.back().kind == kDot;
    if (kind == kName && !after_dot) {
      kind = Kinds().LookupBuiltin(name);
    }
    Emit(kind, begin, Here());
  }

  void ScanNumber() {
    const Position begin = Here();
    const bool hex = Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X');
    while (pos_ < text_.size()) {
      const char c = Peek();
      if (!hex && (c == 'e' || c == 'E') && (Peek(1) == '+' || Peek(1) == '-')) {
        Advance(2);
      } else if (IsNameChar(c) || c == '.') {
        Advance();
      } else {
        break;
      }
    }
    Emit(kNumber, begin, Here());
  }

  // Scans a string literal from its opening quote (the prefix, if any, is
  // already consumed) and emits one STR token starting at `begin`.
  void ScanString(Position begin, bool raw, bool formatted) {
    SkipStringBody(raw, formatted);
    Emit(kString, begin, Here());
  }

  void SkipStringBody(bool raw, bool formatted) {
    const char quote = Peek();
    const bool triple = Peek(1) == quote && Peek(2) == quote;
    const Position begin = Here();
    Advance(triple ? 3 : 1);
    while (true) {
      if (pos_ >= text_.size()) {
        Issue(begin, triple ? "unterminated triple-quoted string" : "unterminated string");
        return;
      }
      const char c = Peek();
      if (c == '\\') {
        // Even in a raw string a backslash keeps the next quote from ending it.
        Advance(2);
        continue;
      }
      if (c == quote) {
        if (!triple) {
          Advance();
          return;
        }
        if (Peek(1) == quote && Peek(2) == quote) {
          Advance(3);
          return;
        }
      }
      if (c == '\n' && !triple) {
        Issue(begin, "unterminated string");
        return;
      }
      if (formatted && c == '{') {
        if (Peek(1) == '{') {
          Advance(2);
          continue;
        }
        Advance();
        if (!SkipReplacementField(triple)) {
          Issue(begin, "unterminated string");
          return;
        }
        continue;
      }
      Advance();
    }
    (void)raw;
  }

  // Skips an f-string replacement field after its "{", up to and including
  // the matching "}". Nested strings, brackets and format specs with their
  // own fields are followed. Returns false when a single-quoted string's line
  // or the file ends first.
  bool SkipReplacementField(bool triple) {
    int depth = 0;
    while (pos_ < text_.size()) {
      const char c = Peek();
      if (c == '\n' && !triple) {
        return false;
      }
      if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']') {
        --depth;
      } else if (c == '}') {
        if (depth == 0) {
          Advance();
          return true;
        }
        --depth;
      } else if (c == ':' && depth == 0) {
        Advance();
        return SkipFormatSpec(triple);
      } else if (c == '"' || c == '\'') {
        SkipStringBody(false, false);
        continue;
      } else if (IsNameStart(c)) {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && IsNameChar(Peek())) {
          Advance();
        }
        const std::string_view name = text_.substr(start, pos_ - start);
        if ((Peek() == '"' || Peek() == '\'') && IsStringPrefix(name)) {
          SkipStringBody(name.find_first_of("rR") != std::string_view::npos,
                         name.find_first_of("fFtT") != std::string_view::npos);
        }
        continue;
      }
      Advance();
    }
    return false;
  }

  bool SkipFormatSpec(bool triple) {
    while (pos_ < text_.size()) {
      const char c = Peek();
      if (c == '\n' && !triple) {
        return false;
      }
      if (c == '}') {
        Advance();
        return true;
      }
      Advance();
      if (c == '{' && !SkipReplacementField(triple)) {
        return false;
      }
    }
    return false;
  }

  void ScanOperator() {
    const Position begin = Here();
    const char c = Peek();
    for (std::size_t index = 0; index < kOperators.size(); ++index) {
      const std::string_view op = kOperators[index];
      if (op[0] != c || text_.substr(pos_, op.size()) != op) {
        continue;
      }
      const char first = op[0];
      if (op.size() == 1 && (first == '(' || first == '[' || first == '{')) {
        ++depth_;
      } else if (op.size() == 1 && (first == ')' || first == ']' || first == '}')) {
        if (depth_ == 0) {
          Issue(begin, std::string("unmatched '") + first + "'");
          Advance();
          return;
        }
        --depth_;
      }
      Advance(op.size());
      Emit(Kinds().OperatorKind(index), begin, Here());
      return;
    }

    const std::size_t start = pos_;
    Advance();
    while (pos_ < text_.size() && (static_cast<unsigned char>(Peek()) & 0xC0) == 0x80) {
      Advance();
    }
    Issue(begin, "unexpected character '" + std::string(text_.substr(start, pos_ - start)) + "'");
  }

  std::string_view text_;
  uint32_t file_;
  TokenizeOutput& out_;
  std::size_t pos_ = 0;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
  int depth_ = 0;
  bool at_line_start_ = true;
  std::size_t logical_start_ = 0;
  std::vector<uint32_t> indents_ = {0};
  bool seen_tab_indent_ = false;
  bool seen_space_indent_ = false;
  bool reported_mixed_indent_ = false;
};

class PythonTokenizer final : public Tokenizer {
 public:
  std::string_view Language() const override { return "python"; }

  void Tokenize(std::string_view text, uint32_t file, TokenizeOutput& output) const override {
    Lexer(text, file, output).Run();
  }

  std::string KindName(uint32_t kind) const override { return Kinds().Name(kind); }
};

}  // namespace

std::unique_ptr<Tokenizer> MakePythonTokenizer() {
  return std::make_unique<PythonTokenizer>();
}

std::unique_ptr<Tokenizer> MakeTokenizer(std::string_view language) {
  if (language == "python") {
    return MakePythonTokenizer();
  }
  return nullptr;
}

}  // namespace exam::similarity
