/**
 * Words for the synthetic service-desk text (bench/backup/synthetic.ts),
 * roughly in order of frequency: English function words first, then the
 * vocabulary of a service desk. The fill picks word k with probability
 * ~1/k (log-uniform index, Zipf's law with exponent 1), so the text has the
 * skew of natural language and compresses like it, not like one repeated
 * string nor like random bytes.
 */
const FUNCTION_WORDS = `the to and a of is in it that for on not with user this be was at as have
from but after when has are can we or an I they by if there no all will it's again been
now which so also then only still could please our would their some other about more when
into out up new same again error same since any before while because should did does than
over between each once today yesterday morning afternoon under without through during`;

const SERVICE_DESK_WORDS = `reports issue server printer email outlook password account access network
laptop login screen application service ticket request update install restart working
cannot unable failed failing problem slow connection vpn shared drive folder file files
office teams meeting calendar mailbox phone mobile device wifi wireless certificate expired
license software hardware monitor keyboard mouse docking station battery charger replaced
ordered approved manager department finance payroll hr sales warehouse building floor room
desk remote home site branch headquarters datacenter cluster node database backup restore
disk space full memory cpu high usage alert monitoring threshold exceeded timeout response
page browser chrome edge firefox cache cookies cleared reset unlocked locked out reenabled
group policy permissions role added removed member distribution list sharepoint onedrive sync
conflict version latest patch security antivirus scan quarantine malware phishing suspicious
message attachment blocked spam filter rule forward forwarding signature template report
dashboard query slow timeout erp crm portal website intranet internal external customer
vendor supplier contract renewal invoice purchase order approval workflow escalated assigned
resolved closed pending waiting confirmation callback voicemail contacted emailed replied
attempted reproduce reproduced steps logs attached screenshot trace event viewer crash dump
driver firmware bios reboot rebooted powered cycle cable port switch router firewall dns dhcp
ip address subnet gateway proxy configuration settings profile corrupted recreated migrated
moved renamed deleted recovered recycle bin previous versions snapshot storage quota
increased decreased capacity performance degraded intermittent outage major incident priority
impact urgency affected users several many multiple all single one two three four five
minutes hours days week weeks month monday tuesday wednesday thursday friday weekend night
shift onboarding offboarding starter leaver transfer equipment loan return collected
delivered shipped courier tracking asset tag serial number model inventory spare stock
projector audio video camera microphone headset speaker conference call bridge dial number
extension voicemail pin reset mfa authenticator app token code sms verification enrolled
registration device compliance intune enrollment policy applied pushed deployment package
installed uninstalled upgraded downgraded rollback change window maintenance scheduled
planned emergency standard normal cab review risk assessment test plan backout implementation
completed successful unsuccessful partially verified confirmed working fine normal again
thanks thank regards kind hello hi team colleague support desk analyst engineer technician
specialist administrator admin owner requester caller contact location city office`;

export const VOCABULARY: string[] = [
  ...new Set(`${FUNCTION_WORDS} ${SERVICE_DESK_WORDS}`.split(/\s+/).filter((w) => w.length > 0)),
];

/** Where the service-desk words start: titles and tags draw from here on. */
export const CONTENT_WORDS_FROM = new Set(FUNCTION_WORDS.split(/\s+/).filter((w) => w.length > 0)).size;

export const FIRST_NAMES = `Anna Ben Carla David Emma Felix Grace Hugo Ines Jonas Karin Liam Maria Noah Olga
Paul Quinn Rosa Sam Tara Ugo Vera Will Xena Yusuf Zoe Amir Bea Chen Dana Erik Fatima Gil Hana Ivan
Julia Kofi Lena Marco Nina Omar Petra Raj Sara Tom Uma Viktor Wanda Yara`
  .split(/\s+/)
  .filter((w) => w.length > 0);

export const LAST_NAMES = `Meyer Smith Garcia Rossi Novak Kim Dubois Jensen Silva Schmidt Brown Lopez Costa
Weber Nguyen Okafor Larsen Moreau Haddad Ivanova Tanaka Murphy Fischer Khan Berg Santos Wagner Ali
Kowalski Horvat Mueller Evans Patel Sato Bauer Lindqvist Romano Clarke Duarte Yilmaz`
  .split(/\s+/)
  .filter((w) => w.length > 0);
