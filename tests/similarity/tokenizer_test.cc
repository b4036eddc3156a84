#include "exam/similarity/tokenizer.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using exam::similarity::MakePythonTokenizer;
using exam::similarity::TokenizeOutput;

// Returns the kinds of `source` as a space-separated string.
std::string KindsOf(const std::string& source, TokenizeOutput* keep = nullptr) {
  const auto tokenizer = MakePythonTokenizer();
  TokenizeOutput output;
  tokenizer->Tokenize(source, 0, output);
  std::string kinds;
  for (const auto& token : output.tokens) {
    kinds += (kinds.empty() ? "" : " ") + tokenizer->KindName(token.kind);
  }
  if (keep != nullptr) {
    *keep = output;
  }
  return kinds;
}

struct TokenCase {
  const char* name;
  const char* source;
  const char* kinds;
};

}  // namespace

TEST_CASE("python tokenizer table") {
  const std::vector<TokenCase> cases = {
      {"assignment", "x = 1\n", "ID = NUM NEWLINE"},
      {"names and numbers normalised", "total = count + 3.5e-2\n", "ID = ID + NUM NEWLINE"},
      {"hex, complex and underscores", "a = 0xFF + 1_000 + 2j\n", "ID = NUM + NUM + NUM NEWLINE"},
      {"builtins keep their kind", "print(len(xs))\n", "print ( len ( ID ) ) NEWLINE"},
      {"attribute named like a builtin", "self.max = 1\n", "ID . ID = NUM NEWLINE"},
      {"keywords", "if a and not b:\n    pass\n",
       "if ID and not ID : NEWLINE INDENT pass NEWLINE DEDENT"},
      {"comment dropped", "x = 1  # note\n# whole line\n", "ID = NUM NEWLINE"},
      {"docstring dropped", "def f():\n    \"\"\"Doc.\"\"\"\n    return 1\n",
       "def ID ( ) : NEWLINE INDENT return NUM NEWLINE DEDENT"},
      {"string statement dropped", "'a comment in disguise'\nx = 'kept'\n", "ID = STR NEWLINE"},
      {"single and double quotes", "a = 'x' + \"y\"\n", "ID = STR + STR NEWLINE"},
      {"escaped quote", "a = 'it\\'s'\n", "ID = STR NEWLINE"},
      {"raw string with backslash quote", "a = r'\\'' + b\n", "ID = STR + ID NEWLINE"},
      {"prefixes", "a = b'x' + rb'y' + Rb\"z\" + u'w'\n", "ID = STR + STR + STR + STR NEWLINE"},
      {"triple quotes span lines", "a = '''one\ntwo'''\nb = 2\n",
       "ID = STR NEWLINE ID = NUM NEWLINE"},
      {"f-string is one string", "a = f\"{x} and {y!r:>{width}}\"\n", "ID = STR NEWLINE"},
      {"f-string with nested quotes", "a = f\"{d['k']} {f'{z}'}\"\n", "ID = STR NEWLINE"},
      {"f-string doubled braces", "a = f'{{literal}} {v}'\n", "ID = STR NEWLINE"},
      {"triple f-string over lines", "a = f'''\n{x +\n y}\n'''\n", "ID = STR NEWLINE"},
      {"brackets join lines", "x = (1 +\n     2)\n", "ID = ( NUM + NUM ) NEWLINE"},
      {"backslash joins lines", "x = 1 + \\\n    2\n", "ID = NUM + NUM NEWLINE"},
      {"blank lines ignored", "a = 1\n\n\n\nb = 2\n", "ID = NUM NEWLINE ID = NUM NEWLINE"},
      {"nested blocks dedent twice", "for i in x:\n    if i:\n        y()\nz()\n",
       "for ID in ID : NEWLINE INDENT if ID : NEWLINE INDENT ID ( ) NEWLINE DEDENT DEDENT ID ( ) "
       "NEWLINE"},
      {"operators", "a **= b // c -> d := e != f\n", "ID **= ID // ID -> ID := ID != ID NEWLINE"},
      {"non-ascii identifier", "größe = 1\n", "ID = NUM NEWLINE"},
      {"no final newline", "x = 1", "ID = NUM NEWLINE"},
      {"decorator and lambda", "@d\ndef f(): return lambda v: v\n",
       "@ ID NEWLINE def ID ( ) : return lambda ID : ID NEWLINE"},
  };
  for (const TokenCase& c : cases) {
    INFO(c.name);
    CHECK(KindsOf(c.source) == c.kinds);
  }
}

TEST_CASE("tokenizer positions are one-based code points") {
  TokenizeOutput output;
  KindsOf("é = 'ü'\n", &output);
  REQUIRE(output.tokens.size() == 4);
  CHECK(output.tokens[0].begin.line == 1);
  CHECK(output.tokens[0].begin.column == 1);
  CHECK(output.tokens[0].end.column == 2);
  CHECK(output.tokens[2].begin.column == 5);
  CHECK(output.tokens[2].end.column == 8);
}

TEST_CASE("tokenizer multi-line string end position") {
  TokenizeOutput output;
  KindsOf("s = '''a\nbc'''\n", &output);
  REQUIRE(output.tokens.size() >= 3);
  CHECK(output.tokens[2].begin.line == 1);
  CHECK(output.tokens[2].end.line == 2);
  CHECK(output.tokens[2].end.column == 6);
}

TEST_CASE("tokenizer recovers from syntax errors") {
  struct ErrorCase {
    const char* source;
    const char* message_part;
  };
  const std::vector<ErrorCase> cases = {
      {"a = 'open\nb = 2\n", "unterminated string"},
      {"a = '''never closed\n", "unterminated triple-quoted string"},
      {"a = f'{x\n", "unterminated string"},
      {"x = (1, 2\n", "unclosed bracket"},
      {"x = 1)\n", "unmatched ')'"},
      {"a = 1 $ 2\n", "unexpected character '$'"},
      {"if x:\n        a = 1\n    b = 2\n", "unindent does not match"},
      {"if x:\n\ta = 1\nif y:\n        b = 2\n", "mixes tabs and spaces"},
  };
  for (const ErrorCase& c : cases) {
    INFO(c.source);
    TokenizeOutput output;
    KindsOf(c.source, &output);
    REQUIRE_FALSE(output.issues.empty());
    bool found = false;
    for (const auto& issue : output.issues) {
      found = found || issue.message.find(c.message_part) != std::string::npos;
    }
    CHECK(found);
  }
}

TEST_CASE("tokenizer keeps going after an unterminated string") {
  CHECK(KindsOf("a = 'open\nb = 2\n") == "ID = STR NEWLINE ID = NUM NEWLINE");
}

TEST_CASE("tab indentation equals eight spaces") {
  CHECK(KindsOf("if x:\n\ta = 1\n        b = 2\n") == KindsOf("if x:\n    a = 1\n    b = 2\n"));
}

TEST_CASE("tokenizer handles empty and comment-only text") {
  CHECK(KindsOf("").empty());
  CHECK(KindsOf("# only a comment\n\n").empty());
  CHECK(KindsOf("\"\"\"only a docstring\"\"\"\n").empty());
}

TEST_CASE("unknown language has no tokenizer") {
  CHECK(exam::similarity::MakeTokenizer("cobol") == nullptr);
  CHECK(exam::similarity::MakeTokenizer("python") != nullptr);
}
