/**
 * The WSDL of the education ministry's legacy student service (a 2000s-style document/literal
 * service with Indonesian element names), generated for the address it is served at.
 */
export const STUDENT_NAMESPACE = 'http://dapodik.kemendikbud.go.id/ws/siswa';

export function studentWsdl(address: string, soapVersion: '1.1' | '1.2'): string {
  const soapNs = soapVersion === '1.2' ? 'http://schemas.xmlsoap.org/wsdl/soap12/' : 'http://schemas.xmlsoap.org/wsdl/soap/';
  const operation = (name: string) => `
    <operation name="${name}">
      <soap:operation soapAction="${STUDENT_NAMESPACE}/${name}" style="document"/>
      <input><soap:body use="literal"/></input>
      <output><soap:body use="literal"/></output>
    </operation>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions name="LayananSiswa" targetNamespace="${STUDENT_NAMESPACE}"
  xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="${soapNs}"
  xmlns:tns="${STUDENT_NAMESPACE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <types>
    <xsd:schema targetNamespace="${STUDENT_NAMESPACE}" elementFormDefault="qualified">
      <xsd:complexType name="Siswa">
        <xsd:sequence>
          <xsd:element name="NISN" type="xsd:string"/>
          <xsd:element name="NIK" type="xsd:string" minOccurs="0" nillable="true"/>
          <xsd:element name="NamaLengkap" type="xsd:string"/>
          <xsd:element name="JenisKelamin" type="xsd:string"/>
          <xsd:element name="TanggalLahir" type="xsd:string"/>
          <xsd:element name="NPSN" type="xsd:string"/>
          <xsd:element name="NamaSekolah" type="xsd:string"/>
          <xsd:element name="Tingkat" type="xsd:int"/>
          <xsd:element name="StatusSiswa" type="xsd:string"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="CariSiswaByNisn">
        <xsd:complexType><xsd:sequence><xsd:element name="NISN" type="xsd:string"/></xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="CariSiswaByNisnResponse">
        <xsd:complexType><xsd:sequence><xsd:element name="Siswa" type="tns:Siswa"/></xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="CariSiswaByNik">
        <xsd:complexType><xsd:sequence><xsd:element name="NIK" type="xsd:string"/></xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="CariSiswaByNikResponse">
        <xsd:complexType><xsd:sequence><xsd:element name="Siswa" type="tns:Siswa" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
  <message name="CariSiswaByNisnRequest"><part name="parameters" element="tns:CariSiswaByNisn"/></message>
  <message name="CariSiswaByNisnResponse"><part name="parameters" element="tns:CariSiswaByNisnResponse"/></message>
  <message name="CariSiswaByNikRequest"><part name="parameters" element="tns:CariSiswaByNik"/></message>
  <message name="CariSiswaByNikResponse"><part name="parameters" element="tns:CariSiswaByNikResponse"/></message>
  <portType name="SiswaPortType">
    <operation name="CariSiswaByNisn"><input message="tns:CariSiswaByNisnRequest"/><output message="tns:CariSiswaByNisnResponse"/></operation>
    <operation name="CariSiswaByNik"><input message="tns:CariSiswaByNikRequest"/><output message="tns:CariSiswaByNikResponse"/></operation>
  </portType>
  <binding name="SiswaBinding" type="tns:SiswaPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${operation('CariSiswaByNisn')}${operation('CariSiswaByNik')}
  </binding>
  <service name="LayananSiswa">
    <port name="SiswaPort" binding="tns:SiswaBinding"><soap:address location="${address}"/></port>
  </service>
</definitions>
`;
}
