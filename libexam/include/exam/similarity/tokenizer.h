// Tokenizers turn source text into the normalised token stream that the
// similarity engine compares. One implementation per language sits behind the
// Tokenizer interface; Python is the first. A Tokenizer has no mutable state,
// so one instance may be shared by many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace exam::similarity {

// A place in a file. Lines and columns are 1-based; columns count Unicode
// code points, so a tab or an "é" is one column.
struct Position {
  uint32_t line = 0;
  uint32_t column = 0;
};

// One normalised token. `kind` is a small integer whose meaning belongs to
// the tokenizer (see Tokenizer::KindName): every identifier shares one kind,
// as does every number and every string, so renaming a variable or changing
// a message does not change the stream.
struct Token {
  uint32_t kind = 0;
  uint32_t file = 0;  // index of the file within its submission
  Position begin;     // first character of the token
  Position end;       // one past the last character; for INDENT and NEWLINE equal to begin
};

// A place where the text is not valid in the language. The tokenizer recovers
// and goes on, so the tokens are still usable.
struct SyntaxIssue {
  Position where;
  std::string message;
};

struct TokenizeOutput {
  std::vector<Token> tokens;
  std::vector<SyntaxIssue> issues;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // The language name as used on the command line, such as "python".
  virtual std::string_view Language() const = 0;

  // Appends the tokens of `text` to `output`, tagging each with `file`.
  // REQUIRES: `text` is valid UTF-8 with "\n" line endings and no BOM
  // (CleanSourceText produces this form).
  virtual void Tokenize(std::string_view text, uint32_t file, TokenizeOutput& output) const = 0;

  // A readable name for a token kind, such as "ID", "def" or "INDENT".
  virtual std::string KindName(uint32_t kind) const = 0;
};

// The Python 3 tokenizer (see python_tokenizer.cc for what it keeps and drops).
std::unique_ptr<Tokenizer> MakePythonTokenizer();

// Returns the tokenizer for `language`, or nullptr when none exists.
std::unique_ptr<Tokenizer> MakeTokenizer(std::string_view language);

}  // namespace exam::similarity
