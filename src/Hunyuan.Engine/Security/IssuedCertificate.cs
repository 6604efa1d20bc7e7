namespace Hunyuan.Engine.Security;

/// <summary>A certificate and its private key (PKCS#8), both PEM, as written to a TLS directory.</summary>
public sealed record IssuedCertificate(string CertificatePem, string KeyPem);
