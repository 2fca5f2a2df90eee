// PgStore's operations that the PostgreSQL store does not serve yet: each fails with a
// StoreError saying so, until the merge of the functions written apart wires it.
#include "daemon/store/postgres/pg_store.hpp"

namespace ccd::store::postgres {
namespace {

// What the free functions written apart will serve (namespace ccd::store::postgres, the same
// names and signatures as the sqlite_* ones, taking postgres::Connection&). Writes go through
// the writer as a GroupWrite (pg_write.hpp) whose direct() calls the function; reads through
// readJob. Until the merge wires them, these fail:
//   putContact       -> pg_contacts: writeContact (writer)
//   putContacts      -> pg_contacts: writeContacts (writer; all or nothing)
//   getContact       -> pg_contacts: readContact (reader)
//   getContactHistory -> pg_contact_history: readContactHistory (reader; also applyRouting's
//                       read_back customer_history, in pg_routing's RoutingWrite)
//   loadApiKeys      -> pg_api_keys: readApiKeys (reader)
//   appendAudit      -> pg_audit: insertAudit per entry (writer)
//   queryAudit       -> pg_audit: readAudit (reader)
//   eraseContact     -> pg_privacy: eraseContactByKey, then pg_audit: insertAudit (writer, one
//                       commit)
//   exportContact    -> pg_privacy: readContactExport (reader)
//   runRetention     -> pg_retention: retentionStep, one commit per batch (writer), with
//                       pg_audit: purgeAudit / countAuditBefore
//   insertCase, updateCase, getCase (readCase), listCases, dueCases, nextCaseWakeup,
//   caseContact (readCaseContact), followUpConversation -> pg_cases (writer for insert,
//   update and followUpConversation; reader for the others)
template <class T>
void notYet(const char* what, const std::function<void(StoreResult<T>)>& done) {
    if (done) done(StoreResult<T>::fail(std::string(what) + " is not yet available on PostgreSQL"));
}

}  // namespace

void PgStore::putContact(ContactUpdate, std::function<void(StoreResult<ContactPutResult>)> done) {
    notYet("putContact", done);
}
void PgStore::putContacts(std::vector<ContactUpdate>,
                          std::function<void(StoreResult<std::size_t>)> done) {
    notYet("putContacts", done);
}
void PgStore::getContact(std::string,
                         std::function<void(StoreResult<std::optional<ContactDetails>>)> done) {
    notYet("getContact", done);
}
void PgStore::getContactHistory(
    ContactHistoryQuery, std::function<void(StoreResult<std::optional<ContactHistory>>)> done) {
    notYet("getContactHistory", done);
}
void PgStore::loadApiKeys(std::function<void(StoreResult<std::vector<ApiKeyRecord>>)> done) {
    notYet("loadApiKeys", done);
}
void PgStore::appendAudit(std::vector<AuditRecord>, std::function<void(StoreResult<bool>)> done) {
    notYet("appendAudit", done);
}
void PgStore::queryAudit(AuditQuery, std::function<void(StoreResult<AuditPage>)> done) {
    notYet("queryAudit", done);
}
void PgStore::eraseContact(std::string, AuditRecord,
                           std::function<void(StoreResult<std::optional<ErasureResult>>)> done) {
    notYet("eraseContact", done);
}
void PgStore::exportContact(std::string,
                            std::function<void(StoreResult<std::optional<ContactExport>>)> done) {
    notYet("exportContact", done);
}
void PgStore::runRetention(RetentionRequest,
                           std::function<void(StoreResult<RetentionReport>)> done) {
    notYet("runRetention", done);
}
void PgStore::insertCase(CaseRow, std::function<void(StoreResult<std::int64_t>)> done) {
    notYet("insertCase", done);
}
void PgStore::updateCase(CaseRow, std::function<void(StoreResult<bool>)> done) {
    notYet("updateCase", done);
}
void PgStore::getCase(std::int64_t, std::function<void(StoreResult<std::optional<CaseRow>>)> done) {
    notYet("getCase", done);
}
void PgStore::listCases(CaseListQuery,
                        std::function<void(StoreResult<std::vector<CaseRow>>)> done) {
    notYet("listCases", done);
}
void PgStore::dueCases(std::int64_t, std::size_t,
                       std::function<void(StoreResult<std::vector<CaseRow>>)> done) {
    notYet("dueCases", done);
}
void PgStore::nextCaseWakeup(std::function<void(StoreResult<std::optional<std::int64_t>>)> done) {
    notYet("nextCaseWakeup", done);
}
void PgStore::caseContact(std::int64_t,
                          std::function<void(StoreResult<std::optional<CaseContact>>)> done) {
    notYet("caseContact", done);
}
void PgStore::followUpConversation(FollowUpConversationRequest,
                                   std::function<void(StoreResult<std::int64_t>)> done) {
    notYet("followUpConversation", done);
}

}  // namespace ccd::store::postgres
