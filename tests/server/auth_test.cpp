// Who may use `prrt serve`: password hashes, sessions, the log-in delay, and the users in the registry file.
#include "prrt/server/auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "prrt/registry/store.h"
#include "support/json_match.h"
#include "support/scenario.h"

namespace prrt::server {
namespace {

TEST(Passwords, Argon2idHashesWithARandomSaltVerifyOnlyTheRightPassword) {
  Result<std::string> a = HashPassword("correct horse");
  Result<std::string> b = HashPassword("correct horse");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$argon2id$", 0), 0u) << *a;
  EXPECT_NE(*a, *b);  // a new salt each time
  EXPECT_TRUE(VerifyPassword(*a, "correct horse"));
  EXPECT_TRUE(VerifyPassword(*b, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*a, "correct horsE"));
  EXPECT_FALSE(VerifyPassword("not a hash", "correct horse"));
  EXPECT_EQ(a->find("correct"), std::string::npos);
}

TEST(Passwords, AtLeastEightCharacters) {
  EXPECT_FALSE(CheckPassword("1234567").ok());
  EXPECT_EQ(CheckPassword("1234567").message(),
            "the password is too short: at least 8 characters are needed");
  EXPECT_TRUE(CheckPassword("12345678").ok());
}

TEST(Roles, OnlyClinicianAndAdminMayWrite) {
  EXPECT_EQ(ParseRole("viewer"), Role::kViewer);
  EXPECT_EQ(ParseRole("admin"), Role::kAdmin);
  EXPECT_FALSE(ParseRole("Admin"));
  EXPECT_FALSE(MayWrite(Role::kViewer));
  EXPECT_TRUE(MayWrite(Role::kClinician));
  EXPECT_TRUE(MayWrite(Role::kAdmin));
  EXPECT_STREQ(ToString(Role::kClinician), "clinician");
}

TEST(Sessions, FoundUntilRemovedOrExpired) {
  Sessions sessions(std::chrono::seconds(3600));
  const std::string token = sessions.Create("ana", Role::kClinician);
  EXPECT_EQ(token.size(), 64u);
  std::optional<Session> s = sessions.Find(token);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user, "ana");
  EXPECT_EQ(s->csrf_token.size(), 64u);
  EXPECT_NE(s->csrf_token, token);
  EXPECT_FALSE(sessions.Find(token + "0"));
  sessions.Remove(token);
  EXPECT_FALSE(sessions.Find(token));
  Sessions expiring(std::chrono::seconds(0));  // expires at once
  const std::string gone = expiring.Create("bob", Role::kViewer);
  EXPECT_FALSE(expiring.Find(gone));
}

TEST(LoginThrottle, DoublesFrom250MillisecondsUpTo8SecondsAndResetsOnSuccess) {
  LoginThrottle throttle;
  EXPECT_EQ(throttle.DelayFor("ana").count(), 0);
  const int64_t expected[] = {250, 500, 1000, 2000, 4000, 8000, 8000};
  for (int64_t ms : expected) {
    throttle.Failed("ana");
    EXPECT_EQ(throttle.DelayFor("ana").count(), ms);
  }
  EXPECT_EQ(throttle.DelayFor("bob").count(), 0);  // per user name
  throttle.Succeeded("ana");
  EXPECT_EQ(throttle.DelayFor("ana").count(), 0);
}

TEST(Users, StoredWithTheirHashAndAuditedWithoutIt) {
  testing::TempDir dir("users_store");
  const std::string path = (dir.path / "r.db").string();
  Result<registry::Store> store = registry::Store::Open(path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->SchemaVersion(), 5);
  const int64_t audit_before = *store->AuditCount();
  ASSERT_TRUE(store->PutUser({"ana", "clinician", "$argon2id$hash-1", "", ""}, true, "admin").ok());
  EXPECT_EQ(store->PutUser({"ana", "viewer", "h", "", ""}, true, "admin").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store->PutUser({"zoe", "viewer", "h", "", ""}, false, "admin").code(), StatusCode::kNotFound);
  // The CHECK constraint keeps the roles to the three.
  EXPECT_FALSE(store->PutUser({"eve", "root", "h", "", ""}, true, "admin").ok());
  ASSERT_TRUE(store->PutUser({"ana", "admin", "$argon2id$hash-2", "", ""}, false, "admin").ok());
  std::optional<registry::UserRecord> ana = *store->FindUser("ana");
  ASSERT_TRUE(ana);
  EXPECT_EQ(ana->role, "admin");
  EXPECT_EQ(ana->password_hash, "$argon2id$hash-2");
  EXPECT_FALSE(*store->FindUser("eve"));
  // Insert: role and password set (2 entries); update: role changed and password set (2 entries).
  EXPECT_EQ(*store->AuditCount() - audit_before, 4);
  std::vector<registry::UserRecord> users = *store->ListUsers();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_TRUE(users[0].password_hash.empty());
}

TEST(UserCommands, AddListAndChangeThePassword) {
  testing::TempDir dir("users_cli");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"user", "add", "--db", db, "--name", "ana", "--role", "clinician", "--password",
                              "correct horse"},
                             out, err),
            0)
      << err;
  EXPECT_EQ(out, "user 'ana' (clinician) added\n");
  EXPECT_EQ(testing::RunPrrt(
                {"user", "add", "--db", db, "--name", "ana", "--role", "admin", "--password", "another one"},
                out, err),
            2);
  EXPECT_NE(err.find("a user 'ana' exists already"), std::string::npos);
  EXPECT_EQ(testing::RunPrrt(
                {"user", "add", "--db", db, "--name", "eve", "--role", "root", "--password", "another one"},
                out, err),
            2);
  EXPECT_NE(err.find("--role: 'root' is not viewer, clinician or admin"), std::string::npos);
  EXPECT_EQ(
      testing::RunPrrt({"user", "passwd", "--db", db, "--name", "ana", "--password", "short"}, out, err), 2);
  EXPECT_NE(err.find("too short"), std::string::npos);
  ASSERT_EQ(testing::RunPrrt({"user", "passwd", "--db", db, "--name", "ana", "--password", "a new password"},
                             out, err),
            0);
  Result<registry::Store> store = registry::Store::Open(db);
  EXPECT_TRUE(VerifyPassword((*store->FindUser("ana"))->password_hash, "a new password"));
  ASSERT_EQ(testing::RunPrrt({"user", "list", "--db", db, "--json"}, out, err), 0);
  const nlohmann::json list = nlohmann::json::parse(out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "ana");
  EXPECT_EQ(list[0]["role"], "clinician");
  EXPECT_FALSE(list[0].contains("password_hash"));
}

}  // namespace
}  // namespace prrt::server
