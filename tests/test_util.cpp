#include "cli/output.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/table.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

using namespace lossbench;

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[util]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("suggestions and number formatting", "[util]") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(did_you_mean("hubr", {"huber", "mse", "mae"}) == " (did you mean 'huber'?)");
  CHECK(did_you_mean("zzzzzz", {"huber", "mse"}).empty());
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1e-8) == "1e-08");
  CHECK(std::stod(format_double(1.0 / 3)) == 1.0 / 3);
  CHECK(split(" a, b ,,c", ',') == std::vector<std::string>{"a", "b", "", "c"});
}

TEST_CASE("every number JSON or CSV can hold is read; shell quoting round-trips through bash",
          "[util]") {
  double v = 0;
  CHECK(parse_double("-2.80205288867e-312", v));
  CHECK(v == -2.80205288867e-312);
  CHECK(std::fpclassify(v) == FP_SUBNORMAL);
  CHECK(parse_double("1e400", v));
  CHECK(v == HUGE_VAL);
  CHECK(parse_double(" 0.5 ", v));
  CHECK(v == 0.5);
  CHECK_FALSE(parse_double("", v));
  CHECK_FALSE(parse_double("1.5x", v));
  CHECK_FALSE(parse_double("1,5", v));

  CHECK(shell_quote("--lr") == "--lr");
  CHECK(shell_quote("0.01,0.1") == "0.01,0.1");
  for (const std::string s :
       {"iris,moons(n=20000)", "linear;mlp(hidden=64x64)", "it's", "", "a b\tc", "$HOME`x`\"!"}) {
    const std::string q = shell_quote(s);
    CHECK(q != s);
    // What bash makes of the quoted word is the word itself.
    FILE* p = ::popen(("printf %s " + q).c_str(), "r");
    REQUIRE(p);
    std::string got;
    for (int c; (c = std::fgetc(p)) != EOF;) got += char(c);
    CHECK(::pclose(p) == 0);
    CHECK(got == s);
  }

  // Every occurrence, and a replacement holding the token is not replaced again.
  CHECK(replace_all("@N@.cpp builds @N@.so", "@N@", "my_loss") == "my_loss.cpp builds my_loss.so");
  CHECK(replace_all("a@N@b", "@N@", "@N@@N@") == "a@N@@N@b");
  CHECK(replace_all("none", "@N@", "x") == "none");
}

namespace {

std::string written(const Table& t, cli::Format f) {
  std::ostringstream out;
  cli::write_table(out, t, f);
  return out.str();
}

// The numbers that must survive a write and a read bit for bit: the largest double, the smallest
// subnormal, a repeating fraction, a negative zero.
const double kHuge = std::numeric_limits<double>::max();
const double kTiny = std::numeric_limits<double>::denorm_min();
const double kThird = 1.0 / 3;

// A table with every kind of cell and every character a format must escape.
Table awkward() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Table t{{"name", "n", "x"}, {}};
  t.rows.push_back({Cell::of("a,b"), Cell::of(1), Cell::of(kHuge)});
  t.rows.push_back({Cell::of("say \"hi\""), Cell::of(int64_t(-9007199254740993)), Cell::of(kTiny)});
  t.rows.push_back({Cell::of("two\nlines\r"), Cell::null(), Cell::of(kThird)});
  t.rows.push_back({Cell::of(std::string("bell\x07tab\tback\\slash")), Cell::of(0), Cell::of(nan)});
  t.rows.push_back({Cell::of(""), Cell::of(size_t(7)), Cell::of(-inf)});
  t.rows.push_back({Cell::null(), Cell::of(2), Cell::of(2.0)});
  return t;
}

}  // namespace

TEST_CASE("cells: NaN and infinities are Null, any integer type is an Integer", "[util]") {
  CHECK(Cell::of(std::numeric_limits<double>::quiet_NaN()).kind == Cell::Null);
  CHECK(Cell::of(-std::numeric_limits<double>::infinity()).kind == Cell::Null);
  CHECK(Cell::of(0.5).kind == Cell::Real);
  CHECK(Cell::of(3).kind == Cell::Integer);
  CHECK(Cell::of(size_t(3)).integer == 3);
  CHECK(Cell::of(int64_t(-4)).integer == -4);
  CHECK(Cell::of("x").kind == Cell::Text);
  CHECK(Cell::null().kind == Cell::Null);
  CHECK(cli::parse_format("csv") == cli::Format::Csv);
  CHECK(cli::parse_format("json") == cli::Format::Json);
  CHECK(cli::parse_format("table") == cli::Format::Table);
  CHECK_THROWS_WITH(cli::parse_format("xml"), "--format: 'xml' is not one of table, csv, json");
  CHECK_THROWS_AS(cli::parse_format("CSV"), std::runtime_error);
}

TEST_CASE("write_table as an aligned table: two spaces between, no trailing spaces, %.4g, '-'",
          "[util]") {
  Table t{{"status", "n", "seconds", "note"}, {}};
  t.rows.push_back({Cell::of("done"), Cell::of(12), Cell::of(3.14159265), Cell::of("ok")});
  t.rows.push_back({Cell::of("diverged"), Cell::of(3), Cell::null(), Cell::of("")});
  t.rows.push_back({Cell::of("x"), Cell::null(), Cell::of(123456.0), Cell::null()});
  CHECK(written(t, cli::Format::Table) ==
        "status    n   seconds    note\n"
        "done      12  3.142      ok\n"
        "diverged  3   -\n"
        "x         -   1.235e+05  -\n");
  // print_table is the same writer over text cells.
  std::ostringstream out;
  cli::print_table(out, {"a", "bb"}, {{"xyz", "1"}, {"", "22"}});
  CHECK(out.str() == "a    bb\nxyz  1\n     22\n");
  CHECK(written(Table{{"only"}, {}}, cli::Format::Table) == "only\n");
}

TEST_CASE("write_table as CSV: RFC 4180 quoting, NULL empty, reals round-trip", "[util]") {
  const std::string csv = written(awkward(), cli::Format::Csv);
  CHECK(csv ==
        "name,n,x\n"
        "\"a,b\",1,1.7976931348623157e+308\n"
        "\"say \"\"hi\"\"\",-9007199254740993,5e-324\n"
        "\"two\nlines\r\",,0.3333333333333333\n"
        "bell\x07tab\tback\\slash,0,\n"
        ",7,\n"
        ",2,2\n");
  double v = 0;
  REQUIRE(parse_double("1.7976931348623157e+308", v));
  CHECK(v == kHuge);
  REQUIRE(parse_double("5e-324", v));
  CHECK(v == kTiny);
  REQUIRE(parse_double("0.3333333333333333", v));
  CHECK(v == kThird);
  CHECK(written(Table{{"a,b", "c"}, {}}, cli::Format::Csv) == "\"a,b\",c\n");
}

TEST_CASE("write_table as JSON: one object per line, typed values, every escape", "[util]") {
  CHECK(written(awkward(), cli::Format::Json) ==
        "[\n"
        "  {\"name\": \"a,b\", \"n\": 1, \"x\": 1.7976931348623157e+308},\n"
        "  {\"name\": \"say \\\"hi\\\"\", \"n\": -9007199254740993, \"x\": 5e-324},\n"
        "  {\"name\": \"two\\nlines\\r\", \"n\": null, \"x\": 0.3333333333333333},\n"
        "  {\"name\": \"bell\\u0007tab\\tback\\\\slash\", \"n\": 0, \"x\": null},\n"
        "  {\"name\": \"\", \"n\": 7, \"x\": null},\n"
        "  {\"name\": null, \"n\": 2, \"x\": 2.0}\n"
        "]\n");
  CHECK(written(Table{{"a"}, {}}, cli::Format::Json) == "[]\n");
  // Control characters as \u00XX; valid UTF-8 as it is, a stray byte as U+FFFD.
  CHECK(cli::json_value(Cell::of(std::string("\x01\x1f\b\f", 4))) == "\"\\u0001\\u001f\\b\\f\"");
  CHECK(cli::json_value(Cell::of("\xc3\xa9t\xc3\xa9 \xe2\x82\xac")) ==
        "\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac\"");
  CHECK(cli::json_value(Cell::of("a\xff"
                                 "b\xc3")) == "\"a\\ufffdb\\ufffd\"");
  CHECK(cli::json_value(Cell::of("\xed\xa0\x80")) == "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  CHECK(cli::json_value(Cell::of(-0.0)) == "-0.0");
  CHECK(cli::json_value(Cell::of(1e21)) == "1e+21");
  // A Real set by hand to a non-finite value is still never written as a number.
  Cell c;
  c.kind = Cell::Real;
  c.real = std::numeric_limits<double>::infinity();
  CHECK(cli::json_value(c) == "null");
  CHECK(written(Table{{"x"}, {{c}}}, cli::Format::Csv) == "x\n\n");
  CHECK(written(Table{{"x"}, {{c}}}, cli::Format::Table) == "x\n-\n");
  // The pieces a command nests: an indented array, an object from members.
  Table t{{"k"}, {{Cell::of(1)}, {Cell::of(2)}}};
  CHECK(cli::json_array(t, "  ") == "[\n    {\"k\": 1},\n    {\"k\": 2}\n  ]");
  CHECK(cli::json_object({{"a", "[]"}, {"b\"", "null"}}) == "{\"a\": [], \"b\\\"\": null}");
}

TEST_CASE("sha256 with the CPU's SHA instructions equals the portable code", "[util]") {
  // Every length up to three blocks and a long one: the block boundaries, padding and the
  // carry between update calls. On a CPU without SHA-NI both sides are the portable code.
  std::string bytes;
  uint32_t x = 12345;
  for (int i = 0; i < 70000; ++i) bytes += char((x = x * 1103515245 + 12345) >> 24);
  for (size_t n : {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 191, 192, 193, 70000})
    CHECK(sha256_hex(bytes.substr(0, n)) == sha256_hex(bytes.substr(0, n), true));
  INFO("SHA-NI in use: " << sha256_uses_cpu_instructions());
  CHECK(sha256_hex(std::string(1000000, 'a'), true) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
