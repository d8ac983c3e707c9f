#if HAVE_CONFIG_H
# include "config.h"
#endif

#include <libtasn1.h>

const asn1_static_node tls_crl_reason_asn1_tab[] = {
  { "MqttsProbeCrlReason", 536875024, NULL },
  { NULL, 1073741836, NULL },
  { "CertificateList", 1610612741, NULL },
  { "tbsCertList", 1073741826, "TBSCertList"},
  { "signatureAlgorithm", 1073741837, NULL },
  { "signature", 6, NULL },
  { "TBSCertList", 1610612741, NULL },
  { "version", 1073758211, NULL },
  { "signature", 1073741837, NULL },
  { "issuer", 1073741837, NULL },
  { "thisUpdate", 1073741826, "Time"},
  { "nextUpdate", 1073758210, "Time"},
  { "revokedCertificates", 1073758221, NULL },
  { "crlExtensions", 536895501, NULL },
  { NULL, 2056, "0"},
  { "RevokedCertificate", 1610612741, NULL },
  { "userCertificate", 1073741827, NULL },
  { "revocationDate", 1073741826, "Time"},
  { "crlEntryExtensions", 16386, "Extensions"},
  { "Time", 1610612754, NULL },
  { "utcTime", 1073741860, NULL },
  { "generalTime", 37, NULL },
  { "Extensions", 1610612747, NULL },
  { NULL, 2, "Extension"},
  { "Extension", 1610612741, NULL },
  { "extnID", 1073741836, NULL },
  { "critical", 1610645508, NULL },
  { NULL, 131081, NULL },
  { "extnValue", 7, NULL },
  { "CRLReason", 537133077, NULL },
  { "unspecified", 1073741825, "0"},
  { "keyCompromise", 1073741825, "1"},
  { "cACompromise", 1073741825, "2"},
  { "affiliationChanged", 1073741825, "3"},
  { "superseded", 1073741825, "4"},
  { "cessationOfOperation", 1073741825, "5"},
  { "certificateHold", 1073741825, "6"},
  { "removeFromCRL", 1073741825, "8"},
  { "privilegeWithdrawn", 1073741825, "9"},
  { "aACompromise", 1, "10"},
  { NULL, 0, NULL }
};
