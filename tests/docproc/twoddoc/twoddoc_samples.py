"""Test data of the 2D-Doc tests: the ANTS reference codes and a PDF builder.

The reference codes are the ANTS specification's examples (§16, signed by the test
authority FR00/0001), with the spacing fixed by signature check; see
shared/reference/twoddoc.md §2.3. The FR04 string is the anonymised production-format code
of MTES-MCT/dossierfacile-backend (§2.4): its signature cannot be valid.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

REFERENCE_CODES: dict[str, str] = {
    "04": "DC04FR000001FFFF1FB60401FR432,75<GS>44227801234567845202146RETI PATRICK<GS>4A310720224163198<GS>47300112345678948RETI SOPHIE<GS>490701987765432<US>QHA4A6QOV6AZJEBTIUNR7QOBXINNTMZTD5COQH6VN24NCZTXA7MYXB6SNSNTWAQRYK3ZFP4ZWBGLTJ6SDSPMURF7YFILKQFIAJY7NTI",
    "28": "DC04FR000001FFFF25472801FR432,75<GS>44227801234567845202146RETI PATRICK<GS>4A310720224Y145 RUE JULLIARD/ZA SPECIMEN/78320/LEVIS ST NOM<GS>4163198<GS>47300112345678948RETI SOPHIE<GS>4907019877654324V3542<GS>4X3724<GS>4Z-182<GS><US>MA2KMBNBSV5WZB6RC5TEP7OCQ2GW7JV2AIYGRCWCOZHM4DMTKPV3SWB2OL25JEW4QUYKTW3HIRALV3XSGWKRVGW7DYQUTW5THUCW4PQ",
    "28-4W": "DC04FR000001FFFF23DC2801FR432,75<GS>44227801234567845202146RETI PATRICK<GS>4A310720224Y145 RUE JULLIARD/ZA SPECIMEN/78320/LEVIS ST NOM<GS>4163198<GS>47300112345678948RETI SOPHIE<GS>4907019877654324V3542<GS>4W-182<GS>4X3724<GS><US>6W76EBC3I2LWHBVGNNYTL34SC6V32S2GDCIQQZLZNMTKCHNVEUISJYUQH5WE3AJJICBNG3YMQ2NXXHP5ZHVOQE332R6TUJDHNOHQ6BI",
    "18": "DC04FR000001FFFF20971801FR432,75<GS>44227801234567845202146RETI PATRICK<GS>4B300420224163198<GS>47300112345678948RETI SOPHIE<GS>490701987765432<US>2VFZBZ3HMHQQHMG74A2IF6VC6OSP675IQGBCYTPDTGI532KD773O2TNDSS7ML3CR3YGE5VIFNACOL2MIEVI54IULFYKKMRZZFSXF5MY",
    "24": "DC04FR000001FFFF226C2401FR432,75<GS>44227801234567845202146RETI PATRICK<GS>4B300420224V3542<GS>4163198<GS>47300112345678948RETI SOPHIE<GS>4907019877654324W-182<GS>4X3724<GS><US>RKIW7GRIXOMQ422K6SLJW6MU57M2U2NHIQWXZ767XTEQURJYUCKTUHWMMUADLJGB3MEJTNGON5DFTOG6L6EJ3BAMHFTXRWR3ITDBVMY",
    "27-4Y": "DC04FR000001FFFF25472701FR432,75<GS>44227801234567845202146RETI PATRICK<GS>4B300420224V3542<GS>4Y145 RUE JULLIARD/ZA SPECIMEN/78320/LEVIS ST NOM<GS>4163198<GS>47300112345678948RETI SOPHIE<GS>4907019877654324X3724<GS>4Z-182<GS><US>HJOPTCOO25PP33ZUNNO35ULJNT6MFPHHK46RHFZTAVRT5DHHCQVLOPO7GNF54OP46COJX5RKPAA6WMCKGQWTSBPRBSBL6LXGQT724RQ",
    "27-6U": "DC04FR000001FFFF25472701FR432,75<GS>44227801234567845202146RETI PATRICK<GS>4B300420224V3542<GS>6U145 RUE JULLIARD<GS>6W783206XLEVIS ST NOM<GS>6YFR4163198<GS>47300112345678948RETI SOPHIE<GS>4907019877654324X3724<GS>6VZA SPECIMEN<GS>4Z-182<GS><US>G4FDANC66ACGU74RX3MTZCPZJ57WHCCCEWRQUWDNXWVDDD2NS2PEWJIE2L2EH4XTJXRTSH2FLJV3JW6J6JR5FTVRI4RXIAH7OOSDKSA",
    "02": "DC03FR000001123F1636020126FR244400010M/ECHANTILLON/ARTHUR<GS>2242 SQUARE DES ECHANTILLONS<GS>25NANTES<GS><US>UBFF4NY7MIXQVUZYMRDRGXBTVWIVMCNP76TN7SA24QUJ4AAHG4WTLA2QZ5TSC54F2OQRMWOAKSHLXJLNHXH4GJPBHBWXBO3PMSDOVZI",
}

#: Anonymised FR04/FPE3 type-04 code (DossierFacile tests), control characters as decoded.
FR04_ANONYMISED = (
    "DC04FR04FPE3FFFF202A0401FR431,5\x1d444237A1861133245202146DOE JOHN\x1d"
    "4A310420224712670275544994142000\x1d\x1fC27GM6DXHV2PWAIZ5Q25SBOC64EH6O3IQWWYADIV3YH7"
    "ZKJ3JHACHP5EZLBZ6GP6SDE6ZYKCZHKYRRFAJ5NSV5YKO5MVGPTQDEPSZ3Y"
)

#: The specimen household of the tax reference codes.
SPECIMEN_FIELDS = {
    "43": "2,75",
    "44": "2278012345678",
    "45": "2021",
    "46": "RETI PATRICK",
    "4A": "31072022",
    "41": "63198",
    "47": "3001123456789",
    "48": "RETI SOPHIE",
    "49": "0701987765432",
    "4V": "3542",
}


def as_decoded(code: str) -> str:
    """The payload as a DataMatrix reader returns it (control characters)."""
    return code.replace("<GS>", "\x1d").replace("<RS>", "\x1e").replace("<US>", "\x1f")


def pdf_with_code(
    code_img: Image.Image | None,
    *,
    size_mm: float = 27.0,
    pages: int = 1,
    code_page: int = 0,
    text_lines: int = 50,
) -> bytes:
    """An A4 text PDF (reportlab) with ``code_img`` drawn top-left on ``code_page``."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    for page in range(pages):
        if code_img is not None and page == code_page:
            pdf.drawImage(
                ImageReader(code_img),
                12 * mm,
                height - 10 * mm - size_mm * mm,
                width=size_mm * mm,
                height=size_mm * mm,
            )
        pdf.setFont("Helvetica-Bold", 13)
        pdf.drawString(70 * mm, height - 20 * mm, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES")
        pdf.drawString(
            70 * mm, height - 27 * mm, "Avis d'impôt 2025 sur les revenus de l'année 2024"
        )
        pdf.setFont("Helvetica", 9)
        for i in range(text_lines):
            pdf.drawString(
                15 * mm,
                height - 50 * mm - i * 4.5 * mm,
                f"Ligne {i + 1} : revenus déclarés, montant {1234 * (i + 1)} €, page {page + 1}/{pages}",
            )
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


# -- a small PKI and TSL of our own, to exercise the production trust path -------------------


def make_ca(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed CA (EC P-256) named ``name``, valid 2010-2040."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AC DE TEST DOCPROC"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2010, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    cert_id: str,
    *,
    not_before: date = date(2020, 1, 1),
    not_after: date = date(2030, 1, 1),
) -> tuple[x509.Certificate, bytes]:
    """A 2D-Doc signing certificate CN=``cert_id`` issued by ``ca``; returns (cert, key PEM)."""
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cert_id)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.combine(not_before, datetime.min.time(), UTC))
        .not_valid_after(datetime.combine(not_after, datetime.min.time(), UTC))
        .sign(ca_key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert, pem


def tsl_xml(
    sequence: int,
    authorities: list[tuple[str, x509.Certificate, str]],
    status: str = "http://uri.etsi.org/TrstSvc/Svcstatus/inaccord",
) -> bytes:
    """A TSL in the ANTS layout listing (authority id, CA certificate, publication URI)."""
    providers = []
    for ac, ca_cert, uri in authorities:
        der = base64.b64encode(ca_cert.public_bytes(serialization.Encoding.DER)).decode()
        providers.append(f"""
  <tsl:TrustServiceProvider>
   <tsl:TSPInformation>
    <tsl:TSPName><tsl:Name xml:lang="fr">Test {ac}</tsl:Name></tsl:TSPName>
    <tsl:TSPTradeName><tsl:Name xml:lang="fr">{ac}</tsl:Name></tsl:TSPTradeName>
    <tsl:TSPInformationURI><tsl:URI xml:lang="fr">{uri}</tsl:URI></tsl:TSPInformationURI>
   </tsl:TSPInformation>
   <tsl:TSPServices><tsl:TSPService><tsl:ServiceInformation>
    <tsl:ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/PKC</tsl:ServiceTypeIdentifier>
    <tsl:ServiceName><tsl:Name xml:lang="fr">{ac} 2D-Doc Barcode signature</tsl:Name></tsl:ServiceName>
    <tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>{der}</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>
    <tsl:ServiceStatus>{status}</tsl:ServiceStatus>
    <tsl:StatusStartingTime>2015-01-01T00:00:00Z</tsl:StatusStartingTime>
   </tsl:ServiceInformation></tsl:TSPService></tsl:TSPServices>
  </tsl:TrustServiceProvider>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#">
 <tsl:SchemeInformation>
  <tsl:TSLSequenceNumber>{sequence}</tsl:TSLSequenceNumber>
  <tsl:SchemeName><tsl:Name xml:lang="fr">FR:2D-Doc</tsl:Name></tsl:SchemeName>
  <tsl:ListIssueDateTime>2026-01-01T00:00:00Z</tsl:ListIssueDateTime>
  <tsl:NextUpdate><tsl:dateTime>2026-07-01T00:00:00Z</tsl:dateTime></tsl:NextUpdate>
 </tsl:SchemeInformation>
 <tsl:TrustServiceProviderList>{"".join(providers)}
 </tsl:TrustServiceProviderList>
</tsl:TrustServiceStatusList>
""".encode()
